package threshold

import (
	"bytes"
	"encoding/json"
	"os"
	"slices"
	"testing"

	"github.com/thresher/thresher/estimators/panel"
)

// TestSchemaPreparesAsText estimates models, with their bootstrap, on the
// table read for the specification's schema and on the file's text: the
// same results, bit for bit.
func TestSchemaPreparesAsText(t *testing.T) {
	small := func(s Spec) Spec {
		s.Thresholds, s.Grid, s.Trim, s.Reps = 2, Grid{Points: 40}, []float64{0.05, 0.05}, []int{19}
		return s
	}
	twoway := small(hansenSpec(0))
	twoway.Indep = append(slices.Clone(twoway.Indep), "i.year")
	for _, c := range []struct {
		name, file string
		spec       Spec
	}{
		{"hansen", "invest.csv", small(hansenSpec(0))},
		{"xthreg", "hansen1999_xthreg.csv", small(xthregSpec(0))},
		{"twoway", "invest.csv", twoway},
	} {
		t.Run(c.name, func(t *testing.T) {
			data, err := os.ReadFile("../../testdata/hansen1999/" + c.file)
			if err != nil {
				t.Fatal(err)
			}
			text, err := panel.ReadCSV(bytes.NewReader(data))
			if err != nil {
				t.Fatal(err)
			}
			parsed, err := panel.ReadSchema(bytes.NewReader(data), c.spec.Schema())
			if err != nil {
				t.Fatal(err)
			}
			var results [][]byte
			for _, tab := range []*panel.Table{text, parsed} {
				p, err := Prepare(tab, c.spec)
				if err != nil {
					t.Fatal(err)
				}
				res, err := p.Estimate(Options{Workers: 1})
				if err != nil {
					t.Fatal(err)
				}
				b, err := json.Marshal(res)
				if err != nil {
					t.Fatal(err)
				}
				results = append(results, b)
			}
			if !bytes.Equal(results[0], results[1]) {
				t.Errorf("the schema's table gives\n%s\nthe text gives\n%s", results[1], results[0])
			}
		})
	}
}
