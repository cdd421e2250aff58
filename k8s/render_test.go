package k8s

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
)

// TestKustomizeRender renders each kustomization with `kubectl kustomize`
// where kubectl exists (the other tests do not need it) and checks the
// output as Kubernetes would get it: strictly decoded, every object in the
// namespace, with the recommended labels, small enough for kubectl apply, ConfigMap references renamed to the generated (hashed) names,
// the overlay without etcd, and the MinIO overlay's blob store.
func TestKustomizeRender(t *testing.T) {
	kubectl, err := exec.LookPath("kubectl")
	if err != nil {
		t.Skip("kubectl not installed: rendering not checked (the other tests do not need it)")
	}
	for _, dir := range []string{"base", "overlays/external-etcd", "overlays/queue-autoscaling", "overlays/minio",
		"overlays/cert-manager", "examples/bootstrap", "examples/bootstrap-cert-manager"} {
		t.Run(dir, func(t *testing.T) {
			out, err := exec.Command(kubectl, "kustomize", dir).Output()
			if err != nil {
				t.Fatalf("kubectl kustomize %s: %v", dir, err)
			}
			path := filepath.Join(t.TempDir(), "rendered.yaml")
			if err := os.WriteFile(path, out, 0o644); err != nil {
				t.Fatal(err)
			}
			objs := decodeFile(t, path)
			b := &bundle{objects: objs, configMaps: map[string]*configMap{}}
			cms := find[corev1.ConfigMap](b)
			for _, o := range objs {
				checkSize(t, o.kind+" "+o.name, o.obj)
				checkLabels(t, b, o.kind+" "+o.name, o.kind, o.labels)
				if ns := namespaceOf(o); o.kind != "v1/Namespace" && ns != namespace {
					t.Errorf("%s %s: namespace %q", o.kind, o.name, ns)
				}
				if strings.HasPrefix(o.name, "etcd") && dir == "overlays/external-etcd" {
					t.Errorf("%s %s survived the overlay", o.kind, o.name)
				}
			}
			for name, d := range find[appsv1.Deployment](b) {
				for _, c := range d.Spec.Template.Spec.Containers {
					for _, e := range c.Env {
						if r := e.ValueFrom; r != nil && r.ConfigMapKeyRef != nil {
							cm := cms[r.ConfigMapKeyRef.Name]
							if cm == nil {
								t.Errorf("Deployment %s: %s refers to ConfigMap %s, not rendered", name, e.Name, r.ConfigMapKeyRef.Name)
							} else if e.Name == "THRESHER_ETCD" && dir == "overlays/external-etcd" &&
								!strings.Contains(cm.Data[r.ConfigMapKeyRef.Key], "example.internal") {
								t.Errorf("the overlay's etcd endpoints did not replace the base's: %q", cm.Data[r.ConfigMapKeyRef.Key])
							} else if e.Name == "THRESHER_BLOB_URL" && dir == "overlays/minio" &&
								!strings.Contains(cm.Data[r.ConfigMapKeyRef.Key], "endpoint=http://minio:9000") {
								t.Errorf("the overlay's blob store did not replace the base's: %q", cm.Data[r.ConfigMapKeyRef.Key])
							}
						}
					}
				}
			}
		})
	}
}

func namespaceOf(o object) string {
	if v, ok := o.obj.(interface{ GetNamespace() string }); ok {
		return v.GetNamespace()
	}
	return ""
}
