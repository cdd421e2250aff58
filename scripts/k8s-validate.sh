#!/usr/bin/env bash
# make k8s-validate: k8s/ checked by a real Kubernetes API server.
#
# Builds kube-apiserver and kubectl of the release k8s/validate/go.mod pins,
# from the Go module proxy, once: they are kept in $THRESHER_K8S_CACHE
# (default ~/.cache/thresher/k8s-<version>) and reused. Then, all on
# 127.0.0.1 and in a temporary directory removed at exit: thresher's
# embedded etcd, the API server on it (RBAC, a client certificate in
# system:masters for kubectl, the PodSecurity admission enforcing, auditing
# and warning `restricted` in every namespace), the CRDs the manifests use,
# installed from their projects' Go modules (below). Following k8s/README.md:
# the namespace and the Secrets, then every kustomization applied with a
# server-side dry run, failing on any rejection and on any warning; then
# `kubectl apply -k k8s/examples/bootstrap` for real, as the README writes
# it, and every object it renders must exist. Last, the tests of k8s/ that
# need kubectl (kustomize renders) run with this kubectl.
#
# No controller or kubelet runs: objects are validated and stored, not run
# (no pod starts, no certificate is issued); cert-manager's and KEDA's
# admission webhooks do not run either, only their CRDs' schemas.
#
# Usage: scripts/k8s-validate.sh   (BIN: the thresher binary, default bin/thresher)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
BIN=${BIN:-bin/thresher}
case $BIN in /*) ;; *) BIN=$root/$BIN ;; esac

# The CRDs, from the modules of their projects (pinned; go mod download
# fetches them through the module proxy):
#   the Prometheus operator's ServiceMonitor and PrometheusRule (v0.85.0,
#     the newest version of its root module the proxy serves),
#   KEDA's ScaledObject (v2.20.2; v2.21 needs Go 1.27.4),
#   cert-manager's Certificate and Issuer (deploy/crds: plain CRDs).
crds=(
	"github.com/prometheus-operator/prometheus-operator@v0.85.0 example/prometheus-operator-crd/monitoring.coreos.com_servicemonitors.yaml"
	"github.com/prometheus-operator/prometheus-operator@v0.85.0 example/prometheus-operator-crd/monitoring.coreos.com_prometheusrules.yaml"
	"github.com/kedacore/keda/v2@v2.20.2 config/crd/bases/keda.sh_scaledobjects.yaml"
	"github.com/cert-manager/cert-manager@v1.21.2 deploy/crds/cert-manager.io_certificates.yaml"
	"github.com/cert-manager/cert-manager@v1.21.2 deploy/crds/cert-manager.io_issuers.yaml"
)

started=$SECONDS
tmp=$(mktemp -d "${TMPDIR:-/tmp}/thresher-k8s-validate.XXXXXX")
pids=()
build=
cleanup() {
	# The API server first: it stops slowly without its etcd.
	for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
		kill "${pids[i]}" 2>/dev/null || true
		wait "${pids[i]}" 2>/dev/null || true
	done
	rm -rf "$tmp" ${build:+"$build"}
}
trap cleanup EXIT
trap 'exit 130' INT TERM

fail() {
	echo "k8s-validate: FAIL: $*" >&2
	exit 1
}

# Every kustomization of k8s/.
mapfile -t kustomizations < <(find k8s -name kustomization.yaml -printf '%h\n' | sort)
[[ " ${kustomizations[*]} " == *" k8s/base "* ]] || fail "no k8s/base/kustomization.yaml among ${kustomizations[*]}"

# --- kube-apiserver and kubectl ----------------------------------------------
version=$(awk '$1 == "k8s.io/kubernetes" { print $2 }' k8s/validate/go.mod)
[ -n "$version" ] || fail "k8s/validate/go.mod requires no k8s.io/kubernetes"
cache=${THRESHER_K8S_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/thresher}/k8s-$version
if [ ! -x "$cache/kube-apiserver" ] || [ ! -x "$cache/kubectl" ]; then
	echo "k8s-validate: building kube-apiserver and kubectl $version into $cache (once; a cold build takes long)"
	mkdir -p "$(dirname "$cache")"
	build=$(mktemp -d "$cache.build.XXXXXX") # removed at exit unless complete
	chmod 755 "$build"
	t0=$SECONDS
	# The version variables, as Kubernetes's release builds set them
	# (hack/lib/version.sh).
	ldflags="-s -w"
	minor=${version#v1.}
	for pkg in k8s.io/client-go/pkg/version k8s.io/component-base/version; do
		ldflags+=" -X $pkg.gitVersion=$version -X $pkg.gitMajor=1 -X $pkg.gitMinor=${minor%%.*} -X $pkg.gitTreeState=clean"
	done
	(cd k8s/validate && go build -ldflags="$ldflags" -o "$build/" tool)
	rm -rf "$cache"
	mv "$build" "$cache"
	build=
	echo "k8s-validate: built in $((SECONDS - t0)) s"
fi
export PATH=$cache:$PATH
echo "k8s-validate: $(kubectl version --client 2>&1 | sed -n 1p), kube-apiserver $(kube-apiserver --version 2>&1)"

# --- etcd ------------------------------------------------------------------------
[ -x "$BIN" ] || fail "$BIN does not exist (make build)"
"$BIN" etcd --data-dir "$tmp/etcd" --listen 127.0.0.1:0 >"$tmp/etcd.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do
	etcd=$(sed -n 's/^etcd serving on \([^ ]*\) .*/\1/p' "$tmp/etcd.log")
	[ -n "$etcd" ] && break
	sleep 0.2
done
[ -n "${etcd:-}" ] || { cat "$tmp/etcd.log" >&2; fail "etcd did not start"; }

# --- certificates: the API server's, kubectl's, the service-account key -------
pki=$tmp/pki
mkdir "$pki"
ec() { openssl ecparam -name prime256v1 -genkey -noout -out "$1"; }
ec "$pki/ca.key"
openssl req -x509 -new -key "$pki/ca.key" -subj /CN=k8s-validate-ca -days 1 -out "$pki/ca.crt" 2>/dev/null
issue() { # name subject extensions
	ec "$pki/$1.key"
	openssl req -new -key "$pki/$1.key" -subj "$2" -out "$pki/$1.csr" 2>/dev/null
	printf '%s\n' "$3" >"$pki/$1.ext"
	openssl x509 -req -in "$pki/$1.csr" -CA "$pki/ca.crt" -CAkey "$pki/ca.key" -CAcreateserial -days 1 \
		-extfile "$pki/$1.ext" -out "$pki/$1.crt" 2>/dev/null
}
issue apiserver /CN=kube-apiserver $'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\nkeyUsage=digitalSignature'
issue admin /O=system:masters/CN=k8s-validate $'extendedKeyUsage=clientAuth\nkeyUsage=digitalSignature'
ec "$pki/service-accounts.key"

# --- kube-apiserver ------------------------------------------------------------
cat >"$tmp/admission.yaml" <<'EOF'
apiVersion: apiserver.config.k8s.io/v1
kind: AdmissionConfiguration
plugins:
  - name: PodSecurity
    configuration:
      apiVersion: pod-security.admission.config.k8s.io/v1
      kind: PodSecurityConfiguration
      defaults:
        enforce: restricted
        enforce-version: latest
        audit: restricted
        audit-version: latest
        warn: restricted
        warn-version: latest
      exemptions: {}
EOF
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
# The Services' cluster IPs are allocated from --service-cluster-ip-range
# and stored, never routed: nothing here sends traffic to them.
kube-apiserver \
	--bind-address=127.0.0.1 --advertise-address=127.0.0.1 --secure-port="$port" \
	--etcd-servers="http://$etcd" \
	--cert-dir="$tmp/apiserver" \
	--tls-cert-file="$pki/apiserver.crt" --tls-private-key-file="$pki/apiserver.key" \
	--client-ca-file="$pki/ca.crt" \
	--authorization-mode=RBAC \
	--service-account-issuer="https://127.0.0.1:$port" \
	--service-account-key-file="$pki/service-accounts.key" \
	--service-account-signing-key-file="$pki/service-accounts.key" \
	--service-cluster-ip-range=10.96.0.0/24 \
	--endpoint-reconciler-type=none \
	--enable-admission-plugins=PodSecurity \
	--admission-control-config-file="$tmp/admission.yaml" \
	--profiling=false \
	>"$tmp/apiserver.log" 2>&1 &
pids+=($!)

export KUBECONFIG=$tmp/kubeconfig KUBECACHEDIR=$tmp/kubecache
cat >"$KUBECONFIG" <<EOF
apiVersion: v1
kind: Config
clusters:
  - name: validate
    cluster:
      server: https://127.0.0.1:$port
      certificate-authority: $pki/ca.crt
users:
  - name: admin
    user:
      client-certificate: $pki/admin.crt
      client-key: $pki/admin.key
contexts:
  - name: validate
    context: {cluster: validate, user: admin}
current-context: validate
EOF
ready=
for _ in $(seq 300); do
	if kubectl get --raw /readyz >/dev/null 2>&1; then
		ready=1
		break
	fi
	kill -0 "${pids[-1]}" 2>/dev/null || break
	sleep 0.5
done
[ -n "$ready" ] || { tail -30 "$tmp/apiserver.log" >&2; fail "kube-apiserver did not become ready"; }
echo "k8s-validate: kube-apiserver $version ready on 127.0.0.1:$port (etcd $etcd) after $((SECONDS - started)) s"

# run COMMAND...: runs a kubectl command; fails on an error or any output on
# stderr (warnings: deprecated fields, Pod Security, kubectl's own).
run() {
	if ! "$@" >"$tmp/out" 2>"$tmp/err" || [ -s "$tmp/err" ]; then
		cat "$tmp/out" "$tmp/err" >&2
		fail "$*"
	fi
}

# --- CRDs ------------------------------------------------------------------------
for entry in "${crds[@]}"; do
	read -r module file <<<"$entry"
	dir=$(cd "$tmp" && go mod download -json "$module" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')
	[ -n "$dir" ] || fail "go mod download $module"
	# create, not apply: a CRD's schema can exceed the annotation kubectl
	# apply keeps.
	run kubectl create -f "$dir/$file"
	echo "k8s-validate: CRD $(sed -n 's/^  name: //p' "$dir/$file" | head -1) from $module"
done
run kubectl wait --for condition=established --timeout=60s crd --all

# --- the README's steps before applying ---------------------------------------------
grep -q '^    kubectl apply -k k8s/examples/bootstrap ' k8s/README.md ||
	fail "k8s/README.md no longer shows 'kubectl apply -k k8s/examples/bootstrap': update this script"
(cd "$tmp" && "$BIN" certs --dir certs --hosts coordinator.thresher.svc >/dev/null)
certs=$tmp/certs
run kubectl apply -f k8s/base/namespace.yaml
run kubectl -n thresher create secret generic thresher-tls \
	--from-file=ca.pem="$certs/ca.pem" \
	--from-file=coordinator.pem="$certs/coordinator.pem" --from-file=coordinator-key.pem="$certs/coordinator-key.pem" \
	--from-file=worker.pem="$certs/worker.pem" --from-file=worker-key.pem="$certs/worker-key.pem"
run kubectl -n thresher create secret generic thresher-tokens --from-file=tokens.txt="$certs/tokens.txt"
run kubectl -n thresher create secret generic thresher-s3 \
	--from-literal=access-key-id="$(openssl rand -hex 10)" --from-literal=secret-access-key="$(openssl rand -hex 32)"

# --- every kustomization, server-side dry run ------------------------------------------
for k in "${kustomizations[@]}"; do
	run kubectl apply -k "$k" --dry-run=server
	echo "k8s-validate: $k: $(wc -l <"$tmp/out") objects accepted, no warning"
done

# --- the example, for real, as k8s/README.md writes it ---------------------------------
run kubectl apply -k k8s/examples/bootstrap
kubectl kustomize k8s/examples/bootstrap >"$tmp/bootstrap.yaml"
run kubectl get -f "$tmp/bootstrap.yaml" -o name
want=$(grep -c '^kind: ' "$tmp/bootstrap.yaml")
[ "$(wc -l <"$tmp/out")" -eq "$want" ] || fail "kubectl apply -k k8s/examples/bootstrap: $(wc -l <"$tmp/out") of $want objects exist"
echo "k8s-validate: kubectl apply -k k8s/examples/bootstrap created $(tr '\n' ' ' <"$tmp/out")"

# --- the tests of k8s/ that render with kubectl -------------------------------------------
go test -count=1 -v -run 'TestKustomizeRender|TestCertManagerClusterID' ./k8s >"$tmp/test.log" 2>&1 ||
	{ cat "$tmp/test.log" >&2; fail "go test ./k8s with kubectl"; }
! grep -- '--- SKIP' "$tmp/test.log" || fail "a test of k8s/ skipped although kubectl is here"
echo "k8s-validate: $(grep -c -- '--- PASS' "$tmp/test.log") tests of k8s/ passed with this kubectl"

echo "k8s-validate: PASS in $((SECONDS - started)) s (kube-apiserver and kubectl $version)"
