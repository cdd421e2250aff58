package dgp

import (
	"encoding/json"
	"testing"
)

// FuzzDesign checks that any JSON design is refused with an error or drawn
// without a panic, and that a drawn sample reads back as a table.
func FuzzDesign(f *testing.F) {
	for _, seed := range []string{
		`{"family":"threshold","n":5,"t":3,"regime_dependent":[{"name":"x"}],"thresholds":[0.5],"slopes":[[1],[2]]}`,
		`{"family":"threshold","n":4,"t":4,"regime_dependent":[{"name":"x","law":"uniform","a":-1,"b":1}],"q":{"law":"regressor","name":"x"},"thresholds":[0],"slopes":[[1]],"effect":0.5,"errors":{"law":"ar1","rho":0.5},"drop":0.5}`,
		`{"family":"threshold","n":3,"t":2,"regressors":[{"name":"z","slope":1}],"regime_dependent":[{"name":"x"}],"slopes":[[1]],"errors":{"law":"hetero_x","a":1,"regressor":"z"},"unit_effects":{"law":"correlated","load":2}}`,
		`{"family":"threshold","n":3,"t":2,"regime_dependent":[{"name":"x"}],"slopes":[[1]],"errors":{"law":"student_t","df":2.5}}`,
		`{"family":"provinces"}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		var d Design
		if json.Unmarshal(raw, &d) != nil || d.Family == FamilyProvinces {
			return
		}
		if d.Validate() != nil || d.N.Value()*d.T.Value() > 10000 {
			return
		}
		s, err := d.Draw(1, 0, 0, nil)
		if err != nil {
			t.Fatalf("valid design, draw error %v", err)
		}
		if _, err := s.Table(); err != nil {
			t.Fatalf("sample does not read back: %v", err)
		}
	})
}
