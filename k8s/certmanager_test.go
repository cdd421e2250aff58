package k8s

import (
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"

	"github.com/thresher/thresher/cluster/identity"
	"github.com/thresher/thresher/cluster/security"
)

// certManagerUsages are the usages of each role's certificate: those of
// 'thresher certs' (cluster/security), but a client's serves nothing.
var certManagerUsages = map[string][]string{
	identity.RoleCoordinator: {"digital signature", "server auth", "client auth"},
	identity.RoleWorker:      {"digital signature", "server auth", "client auth"},
	identity.RoleClient:      {"digital signature", "client auth"},
}

// TestCertManager checks overlays/cert-manager against what thresher
// expects of its certificates (package identity, 'thresher certs'): a CA
// naming the cluster, signed by a self-signed Issuer and used by a CA
// Issuer; one certificate per role that it signs, with the URI SAN
// thresher://<cluster-id>/<role>, the names the peers verify, and keys as
// 'thresher certs' makes them; and pods that mount their own role's Secret.
func TestCertManager(t *testing.T) {
	b := views(t)["cert-manager"]
	certs, issuers := find[certificate](b), find[issuer](b)
	var ca *certificate
	for _, c := range certs {
		if c.Spec.IsCA {
			if ca != nil {
				t.Fatalf("two CA certificates: %s and %s", ca.Name, c.Name)
			}
			ca = c
		}
	}
	if ca == nil {
		t.Fatal("no CA certificate (isCA: true)")
	}
	if is := issuers[ca.Spec.IssuerRef.Name]; is == nil || is.Spec.SelfSigned == nil || ca.Spec.IssuerRef.Kind != "Issuer" {
		t.Errorf("CA %s: issuerRef %+v, want a self-signed Issuer", ca.Name, ca.Spec.IssuerRef)
	}
	if len(ca.Spec.URIs) != 1 {
		t.Fatalf("CA %s: URI SANs %v, want thresher://<cluster-id>", ca.Name, ca.Spec.URIs)
	}
	u, err := url.Parse(ca.Spec.URIs[0])
	if err != nil || u.String() != identity.URI(u.Host).String() {
		t.Fatalf("CA %s: URI SAN %q, want thresher://<cluster-id>", ca.Name, ca.Spec.URIs[0])
	}
	id := u.Host
	if err := identity.Check(id); err != nil {
		t.Errorf("CA %s: %v", ca.Name, err)
	}
	var caIssuer string
	for name, is := range issuers {
		if is.Spec.CA != nil && is.Spec.CA.SecretName == ca.Spec.SecretName {
			caIssuer = name
		}
	}
	if caIssuer == "" {
		t.Fatalf("no Issuer signs with the CA's Secret %s", ca.Spec.SecretName)
	}

	// The names each role's certificate must carry: coordinators, what
	// clients dial (every form of the Services in front of them, and the
	// host or --tls-server-name of the example's client); workers, the
	// coordinators' --worker-server-name (its default: the coordinators
	// set none).
	names := map[string][]string{identity.RoleWorker: {"thresher-worker"}}
	for name, svc := range find[corev1.Service](b) {
		if svc.Spec.Selector["app.kubernetes.io/component"] == identity.RoleCoordinator {
			names[identity.RoleCoordinator] = append(names[identity.RoleCoordinator],
				name, name+"."+namespace, name+"."+namespace+".svc", name+"."+namespace+".svc.cluster.local")
		}
	}
	for _, w := range workloads(b) {
		for _, c := range w.pod.Spec.Containers {
			for _, a := range c.Args {
				if v, ok := strings.CutPrefix(a, "--worker-server-name="); ok {
					t.Errorf("%s: --worker-server-name=%s: this test expects the default", w.where, v)
				}
				if v, ok := strings.CutPrefix(a, "--coordinator="); ok && !slices.ContainsFunc(c.Args, func(a string) bool {
					return strings.HasPrefix(a, "--tls-server-name=")
				}) {
					host, _, _ := net.SplitHostPort(v)
					names[identity.RoleCoordinator] = append(names[identity.RoleCoordinator], host)
				}
				if v, ok := strings.CutPrefix(a, "--tls-server-name="); ok {
					names[identity.RoleCoordinator] = append(names[identity.RoleCoordinator], v)
				}
			}
		}
	}
	if len(names[identity.RoleCoordinator]) < 5 {
		t.Fatalf("found only the coordinator names %v", names[identity.RoleCoordinator])
	}

	bySecret := map[string]string{}
	for _, role := range security.DevRoles {
		c := certs["thresher-"+role]
		if c == nil {
			t.Errorf("no Certificate thresher-%s", role)
			continue
		}
		where := "Certificate " + c.Name
		bySecret[c.Spec.SecretName] = role
		if want := identity.RoleURI(id, role).String(); !slices.Equal(c.Spec.URIs, []string{want}) {
			t.Errorf("%s: URI SANs %v, want [%s]", where, c.Spec.URIs, want)
		}
		if c.Spec.Subject == nil || !slices.Equal(c.Spec.Subject.OrganizationalUnits, []string{"cluster " + id}) {
			t.Errorf("%s: subject %+v, want the organizational unit \"cluster %s\"", where, c.Spec.Subject, id)
		}
		if c.Spec.IsCA || c.Spec.IssuerRef.Name != caIssuer || c.Spec.IssuerRef.Kind != "Issuer" {
			t.Errorf("%s: issuerRef %+v, want Issuer %s", where, c.Spec.IssuerRef, caIssuer)
		}
		if k := c.Spec.PrivateKey; k == nil || k.Algorithm != "ECDSA" || k.Size != 256 {
			t.Errorf("%s: privateKey %+v, want ECDSA P-256 as 'thresher certs'", where, k)
		}
		if got, want := slices.Sorted(slices.Values(c.Spec.Usages)), slices.Sorted(slices.Values(certManagerUsages[role])); !slices.Equal(got, want) {
			t.Errorf("%s: usages %v, want %v", where, got, want)
		}
		for _, n := range names[role] {
			if !slices.Contains(c.Spec.DNSNames, n) {
				t.Errorf("%s: no DNS name %s among %v", where, n, c.Spec.DNSNames)
			}
		}
	}

	// Each pod mounts only its own role's Secret; none needs thresher-tls.
	for _, w := range workloads(b) {
		role := w.pod.Labels["app.kubernetes.io/component"]
		for _, v := range w.pod.Spec.Volumes {
			if v.Secret == nil {
				continue
			}
			if v.Secret.SecretName == "thresher-tls" {
				t.Errorf("%s: volume %s mounts thresher-tls, which cert-manager does not make", w.where, v.Name)
			}
			if r, ok := bySecret[v.Secret.SecretName]; ok && r != role {
				t.Errorf("%s (%s): volume %s mounts the %s certificate's Secret", w.where, role, v.Name, r)
			}
		}
	}
}

// TestCertManagerClusterID renders overlays/cert-manager with `kubectl
// kustomize` (where kubectl exists) after changing the cluster id in the
// CA alone, as its README says, and checks that every certificate names
// the new id.
func TestCertManagerClusterID(t *testing.T) {
	kubectl, err := exec.LookPath("kubectl")
	if err != nil {
		t.Skip("kubectl not installed: the replacements are not checked")
	}
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS(".")); err != nil {
		t.Fatal(err)
	}
	const id = "another-cluster.7"
	issuers := filepath.Join(dir, "overlays/cert-manager/issuers.yaml")
	raw, err := os.ReadFile(issuers)
	if err != nil {
		t.Fatal(err)
	}
	edited := strings.Replace(string(raw), "- thresher://thresher\n", "- "+identity.URI(id).String()+"\n", 1)
	if edited == string(raw) {
		t.Fatal("issuers.yaml: no CA URI SAN thresher://thresher to edit")
	}
	if err := os.WriteFile(issuers, []byte(edited), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(kubectl, "kustomize", filepath.Join(dir, "overlays/cert-manager")).Output()
	if err != nil {
		t.Fatalf("kubectl kustomize: %v", err)
	}
	rendered := filepath.Join(dir, "rendered.yaml")
	if err := os.WriteFile(rendered, out, 0o644); err != nil {
		t.Fatal(err)
	}
	b := &bundle{objects: decodeFile(t, rendered)}
	certs := find[certificate](b)
	if len(certs) != 1+len(security.DevRoles) {
		t.Fatalf("%d Certificates rendered, want the CA and one per role", len(certs))
	}
	for name, c := range certs {
		want := identity.URI(id).String()
		if !c.Spec.IsCA {
			want = identity.RoleURI(id, strings.TrimPrefix(name, "thresher-")).String()
		}
		if !slices.Equal(c.Spec.URIs, []string{want}) || c.Spec.Subject == nil ||
			!slices.Equal(c.Spec.Subject.OrganizationalUnits, []string{"cluster " + id}) {
			t.Errorf("Certificate %s: URI SANs %v, subject %+v; want [%s] and the organizational unit \"cluster %s\"",
				name, c.Spec.URIs, c.Spec.Subject, want, id)
		}
	}
}
