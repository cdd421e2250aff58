package k8s

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	k8slabels "k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/strategicpatch"
	"sigs.k8s.io/yaml"
)

// serviceMonitor is the part of the Prometheus Operator's CRD that we use;
// strict decoding rejects any other field.
type serviceMonitor struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata"`
	Spec              struct {
		JobLabel          string               `json:"jobLabel,omitempty"`
		Selector          metav1.LabelSelector `json:"selector"`
		NamespaceSelector *struct {
			Any        bool     `json:"any,omitempty"`
			MatchNames []string `json:"matchNames,omitempty"`
		} `json:"namespaceSelector,omitempty"`
		Endpoints []struct {
			Port          string `json:"port"`
			Path          string `json:"path,omitempty"`
			Scheme        string `json:"scheme,omitempty"`
			Interval      string `json:"interval,omitempty"`
			ScrapeTimeout string `json:"scrapeTimeout,omitempty"`
			HonorLabels   bool   `json:"honorLabels,omitempty"`
			Relabelings   []struct {
				SourceLabels []string `json:"sourceLabels,omitempty"`
				Separator    string   `json:"separator,omitempty"`
				TargetLabel  string   `json:"targetLabel,omitempty"`
				Regex        string   `json:"regex,omitempty"`
				Replacement  string   `json:"replacement,omitempty"`
				Action       string   `json:"action,omitempty"`
			} `json:"relabelings,omitempty"`
		} `json:"endpoints"`
	} `json:"spec"`
}

// scaledObject is the part of KEDA's ScaledObject that we use.
type scaledObject struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata"`
	Spec              struct {
		ScaleTargetRef struct {
			APIVersion string `json:"apiVersion"`
			Kind       string `json:"kind"`
			Name       string `json:"name"`
		} `json:"scaleTargetRef"`
		MinReplicaCount *int32 `json:"minReplicaCount,omitempty"`
		MaxReplicaCount int32  `json:"maxReplicaCount"`
		PollingInterval int32  `json:"pollingInterval,omitempty"`
		Fallback        *struct {
			FailureThreshold int32 `json:"failureThreshold"`
			Replicas         int32 `json:"replicas"`
		} `json:"fallback,omitempty"`
		Advanced *struct {
			HorizontalPodAutoscalerConfig struct {
				Behavior *autoscalingv2.HorizontalPodAutoscalerBehavior `json:"behavior,omitempty"`
			} `json:"horizontalPodAutoscalerConfig"`
		} `json:"advanced,omitempty"`
		Triggers []struct {
			Type       string            `json:"type"`
			MetricType string            `json:"metricType,omitempty"`
			Metadata   map[string]string `json:"metadata"`
		} `json:"triggers"`
	} `json:"spec"`
}

// prometheusRule is the Prometheus Operator's PrometheusRule; its groups
// are deploy/prometheus/rules.yml's, which deploy's tests decode strictly
// and compare.
type prometheusRule struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata"`
	Spec              struct {
		Groups []json.RawMessage `json:"groups"`
	} `json:"spec"`
}

// certificate is the part of cert-manager's Certificate that we use.
type certificate struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata"`
	Spec              struct {
		IsCA       bool   `json:"isCA,omitempty"`
		CommonName string `json:"commonName,omitempty"`
		Subject    *struct {
			OrganizationalUnits []string `json:"organizationalUnits,omitempty"`
		} `json:"subject,omitempty"`
		URIs        []string `json:"uris,omitempty"`
		DNSNames    []string `json:"dnsNames,omitempty"`
		Duration    string   `json:"duration,omitempty"`
		RenewBefore string   `json:"renewBefore,omitempty"`
		PrivateKey  *struct {
			Algorithm      string `json:"algorithm,omitempty"`
			Size           int    `json:"size,omitempty"`
			RotationPolicy string `json:"rotationPolicy,omitempty"`
		} `json:"privateKey,omitempty"`
		Usages     []string `json:"usages,omitempty"`
		SecretName string   `json:"secretName"`
		IssuerRef  struct {
			Group string `json:"group,omitempty"`
			Kind  string `json:"kind,omitempty"`
			Name  string `json:"name"`
		} `json:"issuerRef"`
	} `json:"spec"`
}

// issuer is the part of cert-manager's Issuer that we use: self-signed, or
// a CA whose certificate and key are a Secret.
type issuer struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata"`
	Spec              struct {
		SelfSigned *struct{} `json:"selfSigned,omitempty"`
		CA         *struct {
			SecretName string `json:"secretName"`
		} `json:"ca,omitempty"`
	} `json:"spec"`
}

// certificateSecretKeys are the keys of the Secret cert-manager writes for
// a Certificate.
var certificateSecretKeys = []string{"tls.crt", "tls.key", "ca.crt"}

// kinds maps apiVersion/kind to the type a manifest must decode into.
var kinds = map[string]func() any{
	"v1/Namespace":                            func() any { return &corev1.Namespace{} },
	"v1/ServiceAccount":                       func() any { return &corev1.ServiceAccount{} },
	"v1/Service":                              func() any { return &corev1.Service{} },
	"v1/ConfigMap":                            func() any { return &corev1.ConfigMap{} },
	"apps/v1/Deployment":                      func() any { return &appsv1.Deployment{} },
	"apps/v1/StatefulSet":                     func() any { return &appsv1.StatefulSet{} },
	"batch/v1/Job":                            func() any { return &batchv1.Job{} },
	"policy/v1/PodDisruptionBudget":           func() any { return &policyv1.PodDisruptionBudget{} },
	"autoscaling/v2/HorizontalPodAutoscaler":  func() any { return &autoscalingv2.HorizontalPodAutoscaler{} },
	"networking.k8s.io/v1/NetworkPolicy":      func() any { return &networkingv1.NetworkPolicy{} },
	"monitoring.coreos.com/v1/ServiceMonitor": func() any { return &serviceMonitor{} },
	"monitoring.coreos.com/v1/PrometheusRule": func() any { return &prometheusRule{} },
	"keda.sh/v1alpha1/ScaledObject":           func() any { return &scaledObject{} },
	"cert-manager.io/v1/Certificate":          func() any { return &certificate{} },
	"cert-manager.io/v1/Issuer":               func() any { return &issuer{} },
}

// object is one decoded manifest.
type object struct {
	file   string
	kind   string // apiVersion/kind
	name   string
	labels map[string]string
	obj    any // a pointer to the type of kinds[kind]
}

// kustomization is the part of kustomize's format that we use.
type kustomization struct {
	APIVersion         string   `json:"apiVersion"`
	Kind               string   `json:"kind"`
	Namespace          string   `json:"namespace,omitempty"`
	Resources          []string `json:"resources,omitempty"`
	ConfigMapGenerator []struct {
		Name     string   `json:"name"`
		Behavior string   `json:"behavior,omitempty"`
		Files    []string `json:"files,omitempty"`
		Literals []string `json:"literals,omitempty"`
		Options  *struct {
			Labels                map[string]string `json:"labels,omitempty"`
			DisableNameSuffixHash bool              `json:"disableNameSuffixHash,omitempty"`
		} `json:"options,omitempty"`
	} `json:"configMapGenerator,omitempty"`
	Images []struct {
		Name    string `json:"name"`
		NewName string `json:"newName,omitempty"`
		NewTag  string `json:"newTag,omitempty"`
	} `json:"images,omitempty"`
	Patches []struct {
		Path   string `json:"path,omitempty"`
		Patch  string `json:"patch,omitempty"`
		Target *struct {
			Kind          string `json:"kind,omitempty"`
			Name          string `json:"name,omitempty"`
			LabelSelector string `json:"labelSelector,omitempty"`
		} `json:"target,omitempty"`
	} `json:"patches,omitempty"`
	Replacements []replacement `json:"replacements,omitempty"`
}

// replacement copies a field of one object (or the part of it between
// delimiters) into fields of others.
type replacement struct {
	Source struct {
		Kind      string              `json:"kind"`
		Name      string              `json:"name"`
		FieldPath string              `json:"fieldPath"`
		Options   *replacementOptions `json:"options,omitempty"`
	} `json:"source"`
	Targets []struct {
		Select struct {
			Kind string `json:"kind"`
		} `json:"select"`
		Reject []struct {
			Name string `json:"name"`
		} `json:"reject,omitempty"`
		FieldPaths []string            `json:"fieldPaths"`
		Options    *replacementOptions `json:"options,omitempty"`
	} `json:"targets"`
}

type replacementOptions struct {
	Delimiter string `json:"delimiter"`
	Index     int    `json:"index"`
}

// configMap is a generated ConfigMap: its keys (with the file each comes
// from, "" for literals) and labels.
type configMap struct {
	keys   map[string]string
	labels map[string]string
}

// bundle is what a kustomization produces, before kustomize's renaming.
type bundle struct {
	dir        string
	k          kustomization
	objects    []object
	configMaps map[string]*configMap
}

var docSeparator = regexp.MustCompile(`(?m)^---\s*$`)

// decodeFile decodes every YAML document of a file strictly into its type.
func decodeFile(t *testing.T, path string) []object {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var objs []object
	for i, doc := range docSeparator.Split(string(raw), -1) {
		var head struct {
			APIVersion string            `json:"apiVersion"`
			Kind       string            `json:"kind"`
			Metadata   metav1.ObjectMeta `json:"metadata"`
		}
		if err := yaml.Unmarshal([]byte(doc), &head); err != nil {
			t.Fatalf("%s document %d: %v", path, i, err)
		}
		if head.Kind == "" && head.APIVersion == "" {
			continue // comments only
		}
		kind := head.APIVersion + "/" + head.Kind
		newObj, ok := kinds[kind]
		if !ok {
			t.Fatalf("%s document %d: %s is not a kind these tests know", path, i, kind)
		}
		obj := newObj()
		if err := yaml.UnmarshalStrict([]byte(doc), obj); err != nil {
			t.Fatalf("%s document %d (%s): %v", path, i, kind, err)
		}
		if head.Metadata.Name == "" {
			t.Fatalf("%s document %d: no metadata.name", path, i)
		}
		objs = append(objs, object{file: path, kind: kind, name: head.Metadata.Name, labels: head.Metadata.Labels, obj: obj})
	}
	return objs
}

// loadKustomization loads dir/kustomization.yaml the way kustomize would,
// minus renaming and replacements: resources (files and other
// kustomizations), ConfigMap generators and patches. used collects every
// file it reads.
func loadKustomization(t *testing.T, dir string, used map[string]bool) *bundle {
	t.Helper()
	b := &bundle{dir: dir, configMaps: map[string]*configMap{}}
	kpath := filepath.Join(dir, "kustomization.yaml")
	raw, err := os.ReadFile(kpath)
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.UnmarshalStrict(raw, &b.k); err != nil {
		t.Fatalf("%s: %v", kpath, err)
	}
	if b.k.APIVersion != "kustomize.config.k8s.io/v1beta1" || b.k.Kind != "Kustomization" {
		t.Errorf("%s: apiVersion %q kind %q", kpath, b.k.APIVersion, b.k.Kind)
	}
	used[kpath] = true
	for _, r := range b.k.Resources {
		p := filepath.Join(dir, r)
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatalf("%s: resource %s: %v", kpath, r, err)
		}
		if fi.IsDir() {
			sub := loadKustomization(t, p, used)
			b.objects = append(b.objects, sub.objects...)
			for name, cm := range sub.configMaps {
				b.configMaps[name] = cm
			}
			continue
		}
		used[p] = true
		b.objects = append(b.objects, decodeFile(t, p)...)
	}
	for _, g := range b.k.ConfigMapGenerator {
		cm := b.configMaps[g.Name]
		switch {
		case g.Behavior == "merge" && cm == nil:
			t.Errorf("%s: configMapGenerator %s merges into nothing", kpath, g.Name)
			cm = &configMap{keys: map[string]string{}}
		case g.Behavior != "merge" && cm != nil:
			t.Errorf("%s: configMapGenerator %s exists already (behavior: merge?)", kpath, g.Name)
		case cm == nil:
			cm = &configMap{keys: map[string]string{}}
		}
		b.configMaps[g.Name] = cm
		if g.Options != nil {
			cm.labels = g.Options.Labels
		}
		for _, l := range g.Literals {
			k, _, ok := strings.Cut(l, "=")
			if !ok {
				t.Errorf("%s: literal %q is not KEY=VALUE", kpath, l)
			}
			cm.keys[k] = ""
		}
		for _, f := range g.Files {
			key, file, ok := strings.Cut(f, "=")
			if !ok {
				key, file = filepath.Base(f), f
			}
			p := filepath.Join(dir, file)
			if _, err := os.Stat(p); err != nil {
				t.Errorf("%s: configMapGenerator %s: %v", kpath, g.Name, err)
			}
			used[p] = true
			cm.keys[key] = p
		}
	}
	for _, p := range b.k.Patches {
		b.applyPatch(t, kpath, p.Path, p.Patch, p.Target, used)
	}
	b.checkReplacements(t, kpath)
	// Every file of the directory belongs to the kustomization (directories
	// holding another kustomization are loaded on their own).
	filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			t.Fatal(err)
		}
		if d.IsDir() && path != dir {
			if _, err := os.Stat(filepath.Join(path, "kustomization.yaml")); err == nil {
				return filepath.SkipDir
			}
		}
		if !d.IsDir() && !used[path] {
			t.Errorf("%s is not listed in %s", path, kpath)
		}
		return nil
	})
	return b
}

// applyPatch applies a patch to the objects it targets (by target selector
// or by the patch's kind and name): "$patch: delete" removes them, any other
// patch must decode strictly into their type and is merged into them.
func (b *bundle) applyPatch(t *testing.T, kpath, path, text string, target *struct {
	Kind          string `json:"kind,omitempty"`
	Name          string `json:"name,omitempty"`
	LabelSelector string `json:"labelSelector,omitempty"`
}, used map[string]bool) {
	t.Helper()
	if path != "" {
		p := filepath.Join(b.dir, path)
		raw, err := os.ReadFile(p)
		if err != nil {
			t.Fatalf("%s: patch: %v", kpath, err)
		}
		used[p], text = true, string(raw)
	}
	var head struct {
		Patch      string            `json:"$patch"`
		APIVersion string            `json:"apiVersion"`
		Kind       string            `json:"kind"`
		Metadata   metav1.ObjectMeta `json:"metadata"`
	}
	if err := yaml.Unmarshal([]byte(text), &head); err != nil {
		t.Fatalf("%s: patch: %v", kpath, err)
	}
	matches := func(o object) bool {
		if target == nil {
			return o.kind == head.APIVersion+"/"+head.Kind && o.name == head.Metadata.Name
		}
		sel, err := metav1.ParseToLabelSelector(target.LabelSelector)
		if err != nil {
			t.Fatalf("%s: target: %v", kpath, err)
		}
		return (target.Kind == "" || strings.HasSuffix(o.kind, "/"+target.Kind)) &&
			(target.Name == "" || o.name == target.Name) && selects(t, sel, o.labels)
	}
	hit := slices.ContainsFunc(b.objects, matches)
	if !hit {
		t.Errorf("%s: a patch matches no object", kpath)
		return
	}
	if head.Patch == "delete" {
		b.objects = slices.DeleteFunc(b.objects, matches)
		return
	}
	if head.Patch != "" {
		t.Errorf("%s: $patch: %s is not supported by these tests", kpath, head.Patch)
	}
	patch, err := yaml.YAMLToJSON([]byte(text))
	if err != nil {
		t.Fatalf("%s: patch: %v", kpath, err)
	}
	for i, o := range b.objects {
		if !matches(o) {
			continue
		}
		if err := yaml.UnmarshalStrict([]byte(text), kinds[o.kind]()); err != nil {
			t.Errorf("%s: patch of %s %s: %v", kpath, o.kind, o.name, err)
			continue
		}
		// A strategic merge patch, as kustomize applies it: lists with a
		// merge key (containers, volumes, env ...) merge by it.
		orig, err := json.Marshal(o.obj)
		if err != nil {
			t.Fatal(err)
		}
		merged, err := strategicpatch.StrategicMergePatch(orig, patch, kinds[o.kind]())
		if err != nil {
			t.Fatalf("%s: patch of %s %s: %v", kpath, o.kind, o.name, err)
		}
		obj := kinds[o.kind]()
		if err := yaml.UnmarshalStrict(merged, obj); err != nil {
			t.Fatalf("%s: patched %s %s: %v", kpath, o.kind, o.name, err)
		}
		b.objects[i].obj = obj
		if v, ok := obj.(interface{ GetLabels() map[string]string }); ok {
			b.objects[i].labels = v.GetLabels()
		}
	}
}

// checkReplacements checks that each replacement's source object exists
// and that each target selects an object: kustomize renders the copies
// (TestKustomizeRender checks them where kubectl is installed).
func (b *bundle) checkReplacements(t *testing.T, kpath string) {
	t.Helper()
	has := func(kind, name string) bool {
		return slices.ContainsFunc(b.objects, func(o object) bool {
			return strings.HasSuffix(o.kind, "/"+kind) && (name == "" || o.name == name)
		})
	}
	for _, r := range b.k.Replacements {
		if !has(r.Source.Kind, r.Source.Name) {
			t.Errorf("%s: replacement source %s %s does not exist", kpath, r.Source.Kind, r.Source.Name)
		}
		for _, target := range r.Targets {
			if !has(target.Select.Kind, "") {
				t.Errorf("%s: replacement target %s selects nothing", kpath, target.Select.Kind)
			}
		}
	}
}

// selects reports whether a label selector selects the labels; an empty
// selector selects everything.
func selects(t *testing.T, sel *metav1.LabelSelector, labels map[string]string) bool {
	t.Helper()
	s, err := metav1.LabelSelectorAsSelector(sel)
	if err != nil {
		t.Fatalf("selector %v: %v", sel, err)
	}
	return s.Matches(k8slabels.Set(labels))
}
