package paper

import (
	"bytes"
	"errors"
	"os"
	"testing"

	"go.yaml.in/yaml/v3"
)

// FuzzParseSpec reads arbitrary bytes as a paper specification: a file is
// refused with an error wrapping ErrSpec, or accepted as a valid
// specification that survives a round trip through YAML unchanged.
func FuzzParseSpec(f *testing.F) {
	example, err := os.ReadFile("testdata/spec.yaml")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(example)
	for _, s := range []string{"", "outcome: y\n", "controls: []\n", "threshold:\n  thresholds: 0\n",
		"region:\n  labels: [a, a]\n", "unknown: 1\n", "treatment: L.x^2\n", "mediation:\n  reps: -1\n", ": :\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		spec, err := ParseSpec(bytes.NewReader(data))
		if err != nil {
			if !errors.Is(err, ErrSpec) {
				t.Fatalf("error without ErrSpec: %v", err)
			}
			return
		}
		out, err := yaml.Marshal(spec)
		if err != nil {
			t.Fatalf("an accepted specification does not marshal: %v", err)
		}
		again, err := ParseSpec(bytes.NewReader(out))
		if err != nil {
			t.Fatalf("an accepted specification is refused after a round trip: %v\n%s", err, out)
		}
		// Compared as YAML: a null list and an empty one mean the same.
		if out2, err := yaml.Marshal(again); err != nil || !bytes.Equal(out2, out) {
			t.Fatalf("the round trip changed the specification:\n%s\n%s", out, out2)
		}
	})
}
