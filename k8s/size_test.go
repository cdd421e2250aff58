package k8s

import (
	"encoding/json"
	"os"
	"testing"
	"unicode/utf8"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// maxObjectBytes bounds an object's JSON encoding: client-side `kubectl
// apply` copies the whole object into its annotation
// kubectl.kubernetes.io/last-applied-configuration, and the API server
// rejects an object whose annotations total more than 256 KiB.
const maxObjectBytes = 256 << 10

// checkSize fails when an object would not fit the annotation.
func checkSize(t *testing.T, where string, obj any) {
	t.Helper()
	raw, err := json.Marshal(obj)
	if err != nil {
		t.Fatalf("%s: %v", where, err)
	}
	if len(raw) >= maxObjectBytes {
		t.Errorf("%s: %d bytes of JSON, kubectl apply cannot annotate more than %d", where, len(raw), maxObjectBytes)
	}
}

// TestObjectSizes checks every object of every view, the generated
// ConfigMaps included (with their files' contents, as kustomize stores
// them: text in data, anything else in binaryData).
func TestObjectSizes(t *testing.T) {
	for view, b := range views(t) {
		for _, o := range b.objects {
			checkSize(t, view+": "+o.kind+" "+o.name, o.obj)
		}
		for name, cm := range b.configMaps {
			obj := corev1.ConfigMap{
				TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
				ObjectMeta: metav1.ObjectMeta{Name: name, Labels: cm.labels},
				Data:       map[string]string{},
				BinaryData: map[string][]byte{},
			}
			for key, file := range cm.keys {
				if file == "" {
					obj.Data[key] = "" // a literal: a few bytes
					continue
				}
				content, err := os.ReadFile(file)
				if err != nil {
					t.Fatal(err)
				}
				if utf8.Valid(content) {
					obj.Data[key] = string(content)
				} else {
					obj.BinaryData[key] = content
				}
			}
			checkSize(t, view+": generated ConfigMap "+name, &obj)
		}
	}
}
