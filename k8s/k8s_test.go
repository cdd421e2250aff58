package k8s

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"sigs.k8s.io/yaml"
)

const (
	image     = "ghcr.io/thresher/thresher"
	namespace = "thresher"
	// version is the release the manifests deploy: the image tag and the
	// app.kubernetes.io/version label of thresher's objects.
	version = "0.1.0"
)

// recommendedLabels are Kubernetes's recommended labels; every object and
// pod template carries them all (the Namespace, shared by the components,
// has no component).
var recommendedLabels = []string{"app.kubernetes.io/name", "app.kubernetes.io/instance", "app.kubernetes.io/version",
	"app.kubernetes.io/component", "app.kubernetes.io/part-of", "app.kubernetes.io/managed-by"}

// checkLabels checks the recommended labels of an object (kind and name
// say which): the version is thresher's release, or etcd's image tag for
// etcd's objects.
func checkLabels(t *testing.T, b *bundle, where, kind string, labels map[string]string) {
	t.Helper()
	for _, l := range recommendedLabels {
		if labels[l] == "" && !(kind == "v1/Namespace" && l == "app.kubernetes.io/component") {
			t.Errorf("%s: no label %s", where, l)
		}
	}
	want := version
	if labels["app.kubernetes.io/name"] == "etcd" {
		want = ""
		for _, w := range workloads(b) {
			for _, c := range w.pod.Spec.Containers {
				if tag, ok := strings.CutPrefix(c.Image, "gcr.io/etcd-development/etcd:v"); ok {
					want = tag
				}
			}
		}
	}
	if got := labels["app.kubernetes.io/version"]; got != want {
		t.Errorf("%s: app.kubernetes.io/version %q, want %q", where, got, want)
	}
	if labels["app.kubernetes.io/part-of"] != "thresher" || labels["app.kubernetes.io/instance"] != "thresher" ||
		labels["app.kubernetes.io/managed-by"] != "kustomize" {
		t.Errorf("%s: want part-of and instance thresher, managed-by kustomize: %v", where, labels)
	}
}

// TestRecommendedLabels checks the labels of every object, pod template
// and generated ConfigMap, and that the base pins the image to the release.
func TestRecommendedLabels(t *testing.T) {
	for view, b := range views(t) {
		for _, o := range b.objects {
			checkLabels(t, b, view+": "+o.kind+" "+o.name, o.kind, o.labels)
		}
		for _, w := range workloads(b) {
			checkLabels(t, b, view+": "+w.where+" pod template", "", w.pod.Labels)
		}
		for name, cm := range b.configMaps {
			checkLabels(t, b, view+": generated ConfigMap "+name, "v1/ConfigMap", cm.labels)
		}
	}
	used := map[string]bool{}
	base := loadKustomization(t, "base", used)
	if len(base.k.Images) != 1 || base.k.Images[0].Name != image || base.k.Images[0].NewTag != version {
		t.Errorf("base/kustomization.yaml: images %+v, want %s with newTag %s", base.k.Images, image, version)
	}
}

// externalSecrets are created by the operator before deploying (README.md
// shows how); their keys are the files 'thresher certs' writes.
var externalSecrets = map[string][]string{
	"thresher-tls":    {"ca.pem", "coordinator.pem", "coordinator-key.pem", "worker.pem", "worker-key.pem"},
	"thresher-tokens": {"tokens.txt"},
	"thresher-s3":     {"access-key-id", "secret-access-key"},
}

// secretKeys returns the keys of a Secret that pods read: one the operator
// creates (externalSecrets), or one cert-manager writes for a Certificate
// of the bundle.
func secretKeys(b *bundle, name string) ([]string, bool) {
	if keys, ok := externalSecrets[name]; ok {
		return keys, true
	}
	for _, c := range find[certificate](b) {
		if c.Spec.SecretName == name {
			return certificateSecretKeys, true
		}
	}
	return nil, false
}

// views are the sets of objects deployed together: the base or an overlay,
// each with the example job.
func views(t *testing.T) map[string]*bundle {
	t.Helper()
	used := map[string]bool{}
	base := loadKustomization(t, "base", used)
	overlay := loadKustomization(t, "overlays/external-etcd", used)
	minio := loadKustomization(t, "overlays/minio", used)
	keda := loadKustomization(t, "overlays/queue-autoscaling", used)
	certManager := loadKustomization(t, "overlays/cert-manager", used)
	example := loadKustomization(t, "examples/bootstrap", used)
	certManagerExample := loadKustomization(t, "examples/bootstrap-cert-manager", used)
	// No stray manifest: every file under k8s/ but the tests, the docs and
	// the module of make k8s-validate belongs to a kustomization.
	filepath.WalkDir(".", func(path string, d os.DirEntry, err error) error {
		if err != nil {
			t.Fatal(err)
		}
		if d.IsDir() && path == "validate" {
			return filepath.SkipDir
		}
		if !d.IsDir() && !used[path] && !strings.HasSuffix(path, ".go") && path != "README.md" {
			t.Errorf("%s is in no kustomization", path)
		}
		return nil
	})
	join := func(a, b *bundle) *bundle {
		j := &bundle{objects: slices.Concat(a.objects, b.objects), configMaps: map[string]*configMap{}}
		for _, m := range []map[string]*configMap{a.configMaps, b.configMaps} {
			for k, v := range m {
				j.configMaps[k] = v
			}
		}
		return j
	}
	for _, b := range []*bundle{base, example} {
		if b.k.Namespace != namespace {
			t.Errorf("%s: namespace %q, want %q", b.dir, b.k.Namespace, namespace)
		}
	}
	return map[string]*bundle{"base": join(base, example), "external-etcd": join(overlay, example),
		"queue-autoscaling": join(keda, example), "minio": join(minio, example),
		"cert-manager": join(certManager, certManagerExample)}
}

// find returns the objects of a kind ("Service", ...).
func find[T any](b *bundle) map[string]*T {
	out := map[string]*T{}
	for _, o := range b.objects {
		if v, ok := o.obj.(*T); ok {
			out[o.name] = v
		}
	}
	return out
}

// workload is a pod template and where it comes from.
type workload struct {
	where    string
	selector *metav1.LabelSelector
	pod      *corev1.PodTemplateSpec
	claims   []string // StatefulSet volume claim templates
}

func workloads(b *bundle) []workload {
	var ws []workload
	for _, o := range b.objects {
		switch v := o.obj.(type) {
		case *appsv1.Deployment:
			ws = append(ws, workload{"Deployment " + o.name, v.Spec.Selector, &v.Spec.Template, nil})
		case *appsv1.StatefulSet:
			var claims []string
			for _, c := range v.Spec.VolumeClaimTemplates {
				claims = append(claims, c.Name)
			}
			ws = append(ws, workload{"StatefulSet " + o.name, v.Spec.Selector, &v.Spec.Template, claims})
		case *batchv1.Job:
			ws = append(ws, workload{"Job " + o.name, nil, &v.Spec.Template, nil})
		}
	}
	return ws
}

// selected returns the workloads whose pods a selector selects.
func selected(t *testing.T, b *bundle, sel *metav1.LabelSelector) []workload {
	var out []workload
	for _, w := range workloads(b) {
		if selects(t, sel, w.pod.Labels) {
			out = append(out, w)
		}
	}
	return out
}

// containerPort resolves a port given by name or number in a container.
func containerPort(c corev1.Container, p intstr.IntOrString) (int32, bool) {
	for _, cp := range c.Ports {
		if p.Type == intstr.String && cp.Name == p.StrVal || p.Type == intstr.Int && cp.ContainerPort == p.IntVal {
			return cp.ContainerPort, true
		}
	}
	return 0, false
}

func podHasPort(w workload, p intstr.IntOrString) bool {
	for _, c := range w.pod.Spec.Containers {
		if _, ok := containerPort(c, p); ok {
			return true
		}
	}
	return false
}

// envVarRef finds $(NAME) references.
var envVarRef = regexp.MustCompile(`\$\(([A-Za-z_][A-Za-z0-9_]*)\)`)

func TestManifests(t *testing.T) {
	for name, b := range views(t) {
		t.Run(name, func(t *testing.T) {
			checkPods(t, b)
			checkServices(t, b)
			checkStatefulSets(t, b)
			checkScaling(t, b)
			checkServiceMonitors(t, b)
			checkNetworkPolicies(t, b)
		})
	}
}

// checkPods checks every pod template: selectors, ServiceAccounts, the
// restricted Pod Security Standard, resources, volumes, env references,
// probes, and the thresher containers' flags.
func checkPods(t *testing.T, b *bundle) {
	sas := find[corev1.ServiceAccount](b)
	if len(workloads(b)) < 3 {
		t.Fatalf("only %d workloads", len(workloads(b)))
	}
	for _, w := range workloads(b) {
		spec := &w.pod.Spec
		if w.selector != nil && !selects(t, w.selector, w.pod.Labels) {
			t.Errorf("%s: the selector does not select the pod template's labels", w.where)
		}
		sa := sas[spec.ServiceAccountName]
		switch {
		case sa == nil:
			t.Errorf("%s: ServiceAccount %q does not exist", w.where, spec.ServiceAccountName)
		case sa.AutomountServiceAccountToken == nil || *sa.AutomountServiceAccountToken,
			spec.AutomountServiceAccountToken == nil || *spec.AutomountServiceAccountToken:
			t.Errorf("%s: no API access is needed: automountServiceAccountToken must be false", w.where)
		}
		if sc := spec.SecurityContext; sc == nil || sc.RunAsNonRoot == nil || !*sc.RunAsNonRoot ||
			sc.SeccompProfile == nil || sc.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault {
			t.Errorf("%s: pod securityContext must set runAsNonRoot and the RuntimeDefault seccomp profile", w.where)
		}
		volumes := map[string]corev1.Volume{}
		for _, v := range spec.Volumes {
			volumes[v.Name] = v
			checkVolume(t, b, w.where, v)
		}
		for _, c := range spec.InitContainers {
			checkContainer(t, w.where+" init container "+c.Name, c, volumes, w.claims, false)
			checkEnv(t, w.where+" init container "+c.Name, c, b)
		}
		for _, c := range spec.Containers {
			where := w.where + " container " + c.Name
			checkContainer(t, where, c, volumes, w.claims, !strings.HasPrefix(w.where, "Job "))
			env := checkEnv(t, where, c, b)
			if strings.HasPrefix(c.Image, image+":") {
				checkThresher(t, b, w, where, c, env, volumes)
			}
		}
	}
}

func checkVolume(t *testing.T, b *bundle, where string, v corev1.Volume) {
	switch {
	case v.ConfigMap != nil:
		cm := b.configMaps[v.ConfigMap.Name]
		if cm == nil {
			t.Errorf("%s: volume %s: ConfigMap %s does not exist", where, v.Name, v.ConfigMap.Name)
			return
		}
		for _, it := range v.ConfigMap.Items {
			if _, ok := cm.keys[it.Key]; !ok {
				t.Errorf("%s: volume %s: ConfigMap %s has no key %s", where, v.Name, v.ConfigMap.Name, it.Key)
			}
		}
	case v.Secret != nil:
		keys, ok := secretKeys(b, v.Secret.SecretName)
		if !ok {
			t.Errorf("%s: volume %s: Secret %s is neither documented (externalSecrets) nor a Certificate's", where, v.Name, v.Secret.SecretName)
		}
		for _, it := range v.Secret.Items {
			if !slices.Contains(keys, it.Key) {
				t.Errorf("%s: volume %s: Secret %s has no key %s", where, v.Name, v.Secret.SecretName, it.Key)
			}
		}
	case v.EmptyDir != nil:
		if v.EmptyDir.SizeLimit == nil {
			t.Errorf("%s: volume %s: an emptyDir needs a sizeLimit", where, v.Name)
		}
	default:
		t.Errorf("%s: volume %s: only configMap, secret and emptyDir volumes are expected", where, v.Name)
	}
}

func checkContainer(t *testing.T, where string, c corev1.Container, volumes map[string]corev1.Volume, claims []string, serves bool) {
	for _, r := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
		req, lim := c.Resources.Requests[r], c.Resources.Limits[r]
		if req.IsZero() || lim.IsZero() || req.Cmp(lim) > 0 {
			t.Errorf("%s: needs a %s request no larger than its limit", where, r)
		}
	}
	if sc := c.SecurityContext; sc == nil || sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation ||
		sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem ||
		sc.Capabilities == nil || !slices.Contains(sc.Capabilities.Drop, "ALL") {
		t.Errorf("%s: securityContext must forbid privilege escalation, drop ALL capabilities and mount / read-only", where)
	}
	names := map[string]bool{}
	for _, p := range c.Ports {
		if p.Name == "" || names[p.Name] {
			t.Errorf("%s: port %d needs a unique name", where, p.ContainerPort)
		}
		names[p.Name] = true
	}
	for _, m := range c.VolumeMounts {
		if _, ok := volumes[m.Name]; !ok && !slices.Contains(claims, m.Name) {
			t.Errorf("%s: mounts volume %s, which the pod does not have", where, m.Name)
		}
	}
	for kind, p := range map[string]*corev1.Probe{"liveness": c.LivenessProbe, "readiness": c.ReadinessProbe} {
		if !serves && p == nil {
			continue // a Job's client
		}
		if p == nil || p.HTTPGet == nil {
			t.Errorf("%s: needs an HTTP %s probe", where, kind)
			continue
		}
		if _, ok := containerPort(c, p.HTTPGet.Port); !ok {
			t.Errorf("%s: %s probe port %s is not a container port", where, kind, p.HTTPGet.Port.String())
		}
	}
}

// checkEnv checks the environment's references and returns it (name ->
// value; "" for valueFrom).
func checkEnv(t *testing.T, where string, c corev1.Container, b *bundle) map[string]string {
	env := map[string]string{}
	defined := func(s string) {
		for _, m := range envVarRef.FindAllStringSubmatch(s, -1) {
			if _, ok := env[m[1]]; !ok {
				t.Errorf("%s: $(%s) refers to no variable defined before it", where, m[1])
			}
		}
	}
	for _, e := range c.Env {
		if _, dup := env[e.Name]; dup {
			t.Errorf("%s: %s is set twice", where, e.Name)
		}
		defined(e.Value)
		if f := e.ValueFrom; f != nil {
			switch {
			case f.ConfigMapKeyRef != nil:
				if cm := b.configMaps[f.ConfigMapKeyRef.Name]; cm == nil {
					t.Errorf("%s: %s: ConfigMap %s does not exist", where, e.Name, f.ConfigMapKeyRef.Name)
				} else if _, ok := cm.keys[f.ConfigMapKeyRef.Key]; !ok {
					t.Errorf("%s: %s: ConfigMap %s has no key %s", where, e.Name, f.ConfigMapKeyRef.Name, f.ConfigMapKeyRef.Key)
				}
			case f.SecretKeyRef != nil:
				if keys, ok := secretKeys(b, f.SecretKeyRef.Name); !ok {
					t.Errorf("%s: %s: Secret %s is neither documented (externalSecrets) nor a Certificate's", where, e.Name, f.SecretKeyRef.Name)
				} else if !slices.Contains(keys, f.SecretKeyRef.Key) {
					t.Errorf("%s: %s: Secret %s has no key %s", where, e.Name, f.SecretKeyRef.Name, f.SecretKeyRef.Key)
				}
			case f.FieldRef != nil:
				if !slices.Contains([]string{"metadata.name", "metadata.namespace", "status.podIP", "spec.nodeName"}, f.FieldRef.FieldPath) {
					t.Errorf("%s: %s: unexpected fieldRef %s", where, e.Name, f.FieldRef.FieldPath)
				}
			case f.ResourceFieldRef != nil:
				kind, res, _ := strings.Cut(f.ResourceFieldRef.Resource, ".")
				list := map[string]corev1.ResourceList{"limits": c.Resources.Limits, "requests": c.Resources.Requests}[kind]
				if q := list[corev1.ResourceName(res)]; q.IsZero() {
					t.Errorf("%s: %s: the container sets no %s", where, e.Name, f.ResourceFieldRef.Resource)
				}
			default:
				t.Errorf("%s: %s: unexpected valueFrom", where, e.Name)
			}
		}
		env[e.Name] = e.Value
	}
	for _, a := range slices.Concat(c.Command, c.Args) {
		defined(a)
	}
	return env
}

// checkThresher checks a container of the thresher image: flags and
// THRESHER_* variables the binary accepts, and what they must agree with.
func checkThresher(t *testing.T, b *bundle, w workload, where string, c corev1.Container, env map[string]string,
	volumes map[string]corev1.Volume) {
	if c.Image != image+":"+version {
		t.Errorf("%s: image %s, want %s:%s, the release of the manifests (kustomize images: changes it)", where, c.Image, image, version)
	}
	if len(c.Command) > 0 || len(c.Args) == 0 {
		t.Errorf("%s: the image's entrypoint is the binary: give the subcommand as the first argument", where)
		return
	}
	sub := c.Args[0]
	set := thresherSettings(t, where, sub, c.Args[1:], env)
	// Files the flags name must be mounted from a volume that has them.
	for _, flag := range []string{"tls-cert", "tls-key", "tls-ca", "token-file", "data"} {
		if path, ok := set[flag]; ok {
			checkMountedFile(t, b, w, where+" --"+flag, path, c, volumes)
		}
	}
	switch sub {
	case "coordinator", "worker":
		port := func(flag, portName string) {
			host, p, err := net.SplitHostPort(set[flag])
			cp, ok := containerPort(c, intstr.FromString(portName))
			if err != nil || !ok || p != strconv.Itoa(int(cp)) {
				t.Errorf("%s: --%s %q must be on container port %s", where, flag, set[flag], portName)
			}
			if ip := net.ParseIP(host); host == "localhost" || ip != nil && ip.IsLoopback() {
				t.Errorf("%s: --%s %q is loopback: unreachable from other pods", where, flag, set[flag])
			}
		}
		port("listen", "grpc")
		port("metrics-listen", "metrics")
		if adv := set["advertise"]; adv != "$(POD_IP):"+strconv.Itoa(int(c.Ports[0].ContainerPort)) || c.Ports[0].Name != "grpc" {
			t.Errorf("%s: THRESHER_ADVERTISE %q, want $(POD_IP):<grpc port> (first port)", where, adv)
		}
		if !slices.ContainsFunc(c.Env, func(e corev1.EnvVar) bool {
			return e.Name == "POD_IP" && e.ValueFrom != nil && e.ValueFrom.FieldRef != nil && e.ValueFrom.FieldRef.FieldPath == "status.podIP"
		}) {
			t.Errorf("%s: POD_IP must come from the downward API (status.podIP)", where)
		}
		if _, ok := set["etcd"]; !ok {
			t.Errorf("%s: no etcd endpoints", where)
		}
		// The default, a directory of the pod's, is not shared.
		if _, ok := set["blob-url"]; !ok {
			t.Errorf("%s: no blob store (--blob-url) that every pod shares", where)
		}
		if c.LivenessProbe.HTTPGet.Path != "/healthz" || c.ReadinessProbe.HTTPGet.Path != "/readyz" ||
			c.LivenessProbe.HTTPGet.Port.StrVal != "metrics" || c.ReadinessProbe.HTTPGet.Port.StrVal != "metrics" {
			t.Errorf("%s: probes must be /healthz (liveness) and /readyz (readiness) on the metrics port", where)
		}
		checkGrace(t, w, where, c, sub, set)
	case "xthreg":
		addr := set["coordinator"]
		host, p, err := net.SplitHostPort(addr)
		svc := find[corev1.Service](b)[host]
		if err != nil || svc == nil || !slices.ContainsFunc(svc.Spec.Ports, func(sp corev1.ServicePort) bool { return strconv.Itoa(int(sp.Port)) == p }) {
			t.Errorf("%s: --coordinator %q is no Service port", where, addr)
		}
	default:
		t.Errorf("%s: unexpected subcommand %q", where, sub)
	}
}

// checkMountedFile checks that path is a key of a configMap or Secret
// volume mounted at its directory, or written into an emptyDir by an init
// container.
func checkMountedFile(t *testing.T, b *bundle, w workload, where, path string, c corev1.Container, volumes map[string]corev1.Volume) {
	dir, file := filepath.Split(path)
	for _, m := range c.VolumeMounts {
		if filepath.Clean(m.MountPath) != filepath.Clean(dir) {
			continue
		}
		v := volumes[m.Name]
		var keys []string
		switch {
		case v.ConfigMap != nil && b.configMaps[v.ConfigMap.Name] != nil:
			for k := range b.configMaps[v.ConfigMap.Name].keys {
				keys = append(keys, k)
			}
		case v.Secret != nil:
			keys, _ = secretKeys(b, v.Secret.SecretName)
			if len(v.Secret.Items) > 0 {
				keys = nil
				for _, it := range v.Secret.Items {
					keys = append(keys, it.Path)
				}
			}
		case v.EmptyDir != nil:
			for _, ic := range w.pod.Spec.InitContainers {
				for _, im := range ic.VolumeMounts {
					if im.Name == m.Name && strings.Contains(strings.Join(ic.Command, " "), "> "+filepath.Join(im.MountPath, file)) {
						keys = append(keys, file)
					}
				}
			}
		}
		if !slices.Contains(keys, file) {
			t.Errorf("%s: %s is not in volume %s (%v)", where, path, m.Name, keys)
		}
		return
	}
	t.Errorf("%s: nothing is mounted at %s", where, dir)
}

// checkGrace checks that Kubernetes waits long enough for a clean stop:
// the preStop hook, then (workers) the drain, which a worker's preStop hook
// starts with 'thresher worker drain' on the worker's control socket (a
// variable of the container, so that the hook's command reads it too).
func checkGrace(t *testing.T, w workload, where string, c corev1.Container, sub string, set map[string]string) {
	need := 5 * time.Second // coordinators: resign, let API calls finish
	if c.Lifecycle != nil && c.Lifecycle.PreStop != nil {
		if s := c.Lifecycle.PreStop.Sleep; s != nil {
			need += time.Duration(s.Seconds) * time.Second
		}
	}
	if sub == "worker" {
		if h := c.Lifecycle; h == nil || h.PreStop == nil || h.PreStop.Exec == nil ||
			!slices.Equal(h.PreStop.Exec.Command, []string{"/usr/local/bin/thresher", "worker", "drain"}) {
			t.Errorf("%s: the worker needs the preStop hook 'thresher worker drain'", where)
		}
		if !slices.ContainsFunc(c.Env, func(e corev1.EnvVar) bool { return e.Name == "THRESHER_CONTROL_SOCKET" && e.Value != "" }) {
			t.Errorf("%s: the worker's control socket must be set by THRESHER_CONTROL_SOCKET, which its preStop hook reads too", where)
		}
		drain := 30 * time.Second // the binary's default
		if v, ok := set["drain-timeout"]; ok {
			var err error
			if drain, err = time.ParseDuration(v); err != nil {
				t.Errorf("%s: --drain-timeout %q: %v", where, v, err)
			}
		}
		need += drain
	}
	grace := 30 * time.Second
	if g := w.pod.Spec.TerminationGracePeriodSeconds; g != nil {
		grace = time.Duration(*g) * time.Second
	}
	if grace <= need {
		t.Errorf("%s: terminationGracePeriodSeconds %v, want more than %v (preStop + drain)", where, grace, need)
	}
}

// checkServices checks that every Service selects pods and that its target
// ports exist on each of them.
func checkServices(t *testing.T, b *bundle) {
	for name, s := range find[corev1.Service](b) {
		ws := selected(t, b, &metav1.LabelSelector{MatchLabels: s.Spec.Selector})
		if len(s.Spec.Selector) == 0 || len(ws) == 0 {
			t.Errorf("Service %s selects no pods", name)
		}
		for _, p := range s.Spec.Ports {
			target := p.TargetPort
			if target.Type == intstr.Int && target.IntVal == 0 {
				target = intstr.FromInt32(p.Port)
			}
			for _, w := range ws {
				if !podHasPort(w, target) {
					t.Errorf("Service %s port %s: target %s is no port of %s", name, p.Name, target.String(), w.where)
				}
			}
		}
	}
}

// checkStatefulSets checks etcd's static bootstrap: a headless governing
// Service, and an initial cluster that names every member by its stable
// DNS name.
func checkStatefulSets(t *testing.T, b *bundle) {
	svcs := find[corev1.Service](b)
	for name, ss := range find[appsv1.StatefulSet](b) {
		svc := svcs[ss.Spec.ServiceName]
		if svc == nil || svc.Spec.ClusterIP != corev1.ClusterIPNone || !svc.Spec.PublishNotReadyAddresses ||
			!selects(t, &metav1.LabelSelector{MatchLabels: svc.Spec.Selector}, ss.Spec.Template.Labels) {
			t.Errorf("StatefulSet %s: serviceName %q must be a headless Service selecting it, publishing unready pods", name, ss.Spec.ServiceName)
		}
		replicas := int32(1)
		if ss.Spec.Replicas != nil {
			replicas = *ss.Spec.Replicas
		}
		var want []string
		for i := range replicas {
			host := fmt.Sprintf("%s-%d.%s", name, i, ss.Spec.ServiceName)
			want = append(want, fmt.Sprintf("%s-%d=http://%s:2380", name, i, host))
		}
		for _, c := range ss.Spec.Template.Spec.Containers {
			for _, e := range c.Env {
				if e.Name == "ETCD_INITIAL_CLUSTER" && e.Value != strings.Join(want, ",") {
					t.Errorf("StatefulSet %s: ETCD_INITIAL_CLUSTER %q, want %q", name, e.Value, strings.Join(want, ","))
				}
			}
		}
	}
}

// checkScaling checks the HPA and the PodDisruptionBudgets: their targets
// exist, and they leave room for voluntary disruptions.
// leaderOnly finds the filter that keeps the leading coordinator's series.
var leaderOnly = regexp.MustCompile(`thresher_coordinator_leader(\{[^}]*\})? == 1`)

func checkScaling(t *testing.T, b *bundle) {
	deps := find[appsv1.Deployment](b)
	hpaMin := map[string]int32{}
	for name, h := range find[autoscalingv2.HorizontalPodAutoscaler](b) {
		ref := h.Spec.ScaleTargetRef
		d := deps[ref.Name]
		if ref.Kind != "Deployment" || ref.APIVersion != "apps/v1" || d == nil {
			t.Errorf("HPA %s: target %s %s is no Deployment", name, ref.Kind, ref.Name)
			continue
		}
		if d.Spec.Replicas != nil {
			t.Errorf("Deployment %s: replicas is set, but HPA %s owns the count", ref.Name, name)
		}
		if h.Spec.MinReplicas == nil || *h.Spec.MinReplicas < 2 || h.Spec.MaxReplicas < *h.Spec.MinReplicas {
			t.Errorf("HPA %s: want 2 <= minReplicas <= maxReplicas", name)
			continue
		}
		hpaMin[ref.Name] = *h.Spec.MinReplicas
		for _, m := range h.Spec.Metrics {
			if m.Type != autoscalingv2.ResourceMetricSourceType || m.Resource == nil || m.Resource.Name != corev1.ResourceCPU {
				t.Errorf("HPA %s: want CPU-based scaling", name)
			}
		}
		for _, c := range d.Spec.Template.Spec.Containers {
			if q := c.Resources.Requests[corev1.ResourceCPU]; q.IsZero() {
				t.Errorf("HPA %s: container %s has no CPU request to scale on", name, c.Name)
			}
		}
	}
	for name, so := range find[scaledObject](b) {
		ref := so.Spec.ScaleTargetRef
		d := deps[ref.Name]
		if ref.Kind != "Deployment" || ref.APIVersion != "apps/v1" || d == nil {
			t.Errorf("ScaledObject %s: target %s %s is no Deployment", name, ref.Kind, ref.Name)
			continue
		}
		if _, ok := hpaMin[ref.Name]; ok {
			t.Errorf("ScaledObject %s: Deployment %s has an HPA as well", name, ref.Name)
		}
		if d.Spec.Replicas != nil {
			t.Errorf("Deployment %s: replicas is set, but ScaledObject %s owns the count", ref.Name, name)
		}
		if so.Spec.MinReplicaCount == nil || *so.Spec.MinReplicaCount < 2 || so.Spec.MaxReplicaCount < *so.Spec.MinReplicaCount {
			t.Errorf("ScaledObject %s: want 2 <= minReplicaCount <= maxReplicaCount", name)
			continue
		}
		if f := so.Spec.Fallback; f == nil || f.Replicas < *so.Spec.MinReplicaCount {
			t.Errorf("ScaledObject %s: needs a fallback of at least minReplicaCount replicas", name)
		}
		hpaMin[ref.Name] = *so.Spec.MinReplicaCount
		var queue, cpu bool
		for _, tr := range so.Spec.Triggers {
			switch tr.Type {
			case "prometheus":
				q := tr.Metadata["query"]
				queue = strings.Contains(q, "thresher_tasks_queued") && leaderOnly.MatchString(q)
				if _, err := strconv.ParseFloat(tr.Metadata["threshold"], 64); err != nil || tr.Metadata["serverAddress"] == "" {
					t.Errorf("ScaledObject %s: the prometheus trigger needs a serverAddress and a numeric threshold", name)
				}
			case "cpu":
				cpu = tr.MetricType == "Utilization" && tr.Metadata["value"] != ""
			default:
				t.Errorf("ScaledObject %s: unexpected trigger %s", name, tr.Type)
			}
		}
		if !queue || !cpu {
			t.Errorf("ScaledObject %s: want a trigger on the leader's thresher_tasks_queued and a CPU trigger (queue %v, cpu %v)", name, queue, cpu)
		}
	}
	if _, ok := hpaMin["thresher-worker"]; !ok {
		t.Error("the worker Deployment has no HPA or ScaledObject")
	}
	replicas := func(w workload) int32 {
		name := strings.Fields(w.where)[1]
		if n, ok := hpaMin[name]; ok {
			return n
		}
		for _, o := range b.objects {
			switch v := o.obj.(type) {
			case *appsv1.Deployment:
				if o.name == name && v.Spec.Replicas != nil {
					return *v.Spec.Replicas
				}
			case *appsv1.StatefulSet:
				if o.name == name && v.Spec.Replicas != nil {
					return *v.Spec.Replicas
				}
			}
		}
		return 1
	}
	covered := map[string]bool{}
	for name, p := range find[policyv1.PodDisruptionBudget](b) {
		ws := selected(t, b, p.Spec.Selector)
		if len(ws) != 1 {
			t.Errorf("PDB %s selects %d workloads, want 1", name, len(ws))
			continue
		}
		covered[ws[0].where] = true
		if m := p.Spec.MinAvailable; m != nil && m.IntValue() >= int(replicas(ws[0])) {
			t.Errorf("PDB %s: minAvailable %s leaves no disruption for %d replicas", name, m.String(), replicas(ws[0]))
		}
	}
	if !covered["Deployment thresher-worker"] {
		t.Error("the worker Deployment has no PodDisruptionBudget")
	}
}

// checkServiceMonitors checks that the ServiceMonitor scrapes the
// coordinators' and the workers' metrics ports under the job names the
// Prometheus rules and the dashboard use.
func checkServiceMonitors(t *testing.T, b *bundle) {
	var jobsCfg struct {
		ScrapeConfigs []struct {
			JobName string `json:"job_name"`
		} `json:"scrape_configs"`
	}
	raw, err := os.ReadFile("../deploy/prometheus/prometheus.yml")
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(raw, &jobsCfg); err != nil {
		t.Fatal(err)
	}
	jobs := map[string]bool{}
	for _, sc := range jobsCfg.ScrapeConfigs {
		jobs[sc.JobName] = true
	}
	// etcd's job is its own: no rule or panel of deploy/ reads it.
	jobs["etcd"] = true
	want := map[string][]string{"thresher": {"coordinator", "thresher-worker"}, "etcd": {"etcd"}}
	svcs := find[corev1.Service](b)
	sms := find[serviceMonitor](b)
	if sms["thresher"] == nil || (sms["etcd"] == nil) == (svcs["etcd"] != nil) {
		t.Errorf("want ServiceMonitor thresher, and etcd exactly when the etcd Service is deployed")
	}
	for name, sm := range sms {
		var picked []string
		for sname, s := range svcs {
			if selects(t, &sm.Spec.Selector, s.Labels) {
				picked = append(picked, sname)
			}
		}
		slices.Sort(picked)
		if !slices.Equal(picked, want[name]) {
			t.Errorf("ServiceMonitor %s selects Services %v, want %v", name, picked, want[name])
		}
		for _, ep := range sm.Spec.Endpoints {
			for _, sname := range picked {
				s := svcs[sname]
				if !slices.ContainsFunc(s.Spec.Ports, func(p corev1.ServicePort) bool { return p.Name == ep.Port }) {
					t.Errorf("ServiceMonitor %s: Service %s has no port %q", name, sname, ep.Port)
				}
				job := sname // the operator's default job label
				if sm.Spec.JobLabel != "" {
					job = s.Labels[sm.Spec.JobLabel]
				}
				for _, r := range ep.Relabelings {
					if r.TargetLabel != "job" || len(r.SourceLabels) != 1 {
						continue
					}
					value, ok := serviceLabel(s, r.SourceLabels[0])
					if !ok {
						t.Errorf("ServiceMonitor %s: Service %s has no label for %s", name, sname, r.SourceLabels[0])
					}
					job = strings.ReplaceAll(r.Replacement, "$1", value)
				}
				if !jobs[job] {
					t.Errorf("ServiceMonitor %s: Service %s is scraped as job %q, not a job of deploy/prometheus", name, sname, job)
				}
			}
		}
	}
}

// serviceLabel resolves a __meta_kubernetes_service_label_<name> source
// label: Prometheus replaces every character of the label name that is not
// [a-zA-Z0-9_] by "_".
func serviceLabel(s *corev1.Service, meta string) (string, bool) {
	want, ok := strings.CutPrefix(meta, "__meta_kubernetes_service_label_")
	if !ok {
		return "", false
	}
	sanitize := regexp.MustCompile(`[^a-zA-Z0-9_]`)
	for k, v := range s.Labels {
		if sanitize.ReplaceAllString(k, "_") == want {
			return v, true
		}
	}
	return "", false
}

// monitoringPeer is the only peer allowed to reach a metrics port.
var monitoringPeer = networkingv1.NetworkPolicyPeer{NamespaceSelector: &metav1.LabelSelector{
	MatchLabels: map[string]string{"kubernetes.io/metadata.name": "monitoring"}}}

// checkNetworkPolicies checks that policies and their peers select pods
// and name ports those pods have, that every pod with a metrics port is
// fenced by a policy, and that only the monitoring namespace reaches
// metrics ports (issue 18).
func checkNetworkPolicies(t *testing.T, b *bundle) {
	fenced := map[string]bool{}
	for name, np := range find[networkingv1.NetworkPolicy](b) {
		ws := selected(t, b, &np.Spec.PodSelector)
		if len(ws) == 0 {
			t.Errorf("NetworkPolicy %s selects no pods", name)
		}
		for _, w := range ws {
			fenced[w.where] = true
		}
		for _, rule := range np.Spec.Ingress {
			metrics := slices.ContainsFunc(rule.Ports, func(p networkingv1.NetworkPolicyPort) bool {
				return p.Port == nil || p.Port.String() == "metrics"
			})
			if metrics && (len(rule.From) == 0 || slices.ContainsFunc(rule.From, func(p networkingv1.NetworkPolicyPeer) bool {
				return !equality.Semantic.DeepEqual(p, monitoringPeer)
			})) {
				t.Errorf("NetworkPolicy %s: a rule opens the metrics port to more than the monitoring namespace", name)
			}
			for _, from := range rule.From {
				if from.PodSelector != nil && len(selected(t, b, from.PodSelector)) == 0 {
					t.Errorf("NetworkPolicy %s: a peer selects no pods", name)
				}
			}
			for _, p := range rule.Ports {
				for _, w := range ws {
					if p.Port != nil && !podHasPort(w, *p.Port) {
						t.Errorf("NetworkPolicy %s: port %s is no port of %s", name, p.Port.String(), w.where)
					}
				}
			}
		}
	}
	for _, w := range workloads(b) {
		if podHasPort(w, intstr.FromString("metrics")) && !fenced[w.where] {
			t.Errorf("%s: its metrics port is fenced by no NetworkPolicy", w.where)
		}
	}
}

// TestGeneratedFiles checks the files the kustomizations turn into
// ConfigMaps: copies of files elsewhere in the repository (kustomize cannot
// read outside its directory) must be identical to their sources.
func TestGeneratedFiles(t *testing.T) {
	for copyPath, source := range map[string]string{
		"base/grafana/thresher-dashboard.json": "../deploy/grafana/dashboard.json",
		"examples/bootstrap/invest.csv.gz":     "../testdata/hansen1999/invest.csv",
	} {
		a, err1 := os.ReadFile(copyPath)
		b, err2 := os.ReadFile(source)
		if err1 != nil || err2 != nil {
			t.Fatal(err1, err2)
		}
		if strings.HasSuffix(copyPath, ".gz") {
			a = gunzip(t, copyPath, a)
		}
		if !bytes.Equal(a, b) {
			t.Errorf("k8s/%s differs from %s: copy it again (make sync-k8s)", copyPath, source[3:])
		}
	}
	b := views(t)["base"]
	dash := b.configMaps["thresher-dashboard"]
	if dash == nil || dash.labels["grafana_dashboard"] != "1" {
		t.Error(`the dashboard ConfigMap needs the label grafana_dashboard: "1" for the Grafana sidecar`)
	}
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	for name := range externalSecrets {
		if !bytes.Contains(readme, []byte(name)) {
			t.Errorf("README.md does not explain the Secret %s", name)
		}
	}
}

// gunzip decompresses a gzipped file's contents.
func gunzip(t *testing.T, path string, packed []byte) []byte {
	t.Helper()
	r, err := gzip.NewReader(bytes.NewReader(packed))
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	plain, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return plain
}
