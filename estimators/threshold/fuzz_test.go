package threshold

import (
	"bytes"
	"strings"
	"testing"

	"github.com/thresher/thresher/estimators/panel"
)

// FuzzEstimate feeds arbitrary CSV text and model options through Prepare
// and the point estimates: any input must give a result or an error, never a
// panic, and a result must encode (no NaN or infinity reaches the JSON).
func FuzzEstimate(f *testing.F) {
	f.Add([]byte(strings.Join(smallPanel(), "\n")), "q", "x", 1, 0, 0.2, uint8(0))
	f.Add([]byte(strings.Join(smallPanel(), "\n")), "L.q", "x*z", 2, 5, 0.1, uint8(1))
	f.Add([]byte("id,t,y,z,c,x,q\n1,1,1,1,1,1,1\n"), "q", "x", 1, 0, 0.2, uint8(3))
	withMissing := strings.Replace(strings.Join(smallPanel(), "\n"), "\n1,3,", "\n1,3,NA", 1)
	f.Add([]byte(withMissing), "sqrt(q)", "D.x", 1, 0, 0.2, uint8(8))
	f.Add([]byte(withMissing), "F.q", "abs(LD.x)*sqrt(z)", 2, 10, 0.1, uint8(1))
	f.Add([]byte(withMissing), "exp(q)", "i.t", 1, 0, 0.2, uint8(0))
	f.Fuzz(func(t *testing.T, csv []byte, qx, rx string, k, grid int, trim float64, flags uint8) {
		tab, err := panel.ReadCSV(bytes.NewReader(csv))
		if err != nil {
			return
		}
		spec := Spec{ID: "id", Time: "t", Depvar: "y", Indep: []string{"z"}, Rx: []string{rx}, Qx: qx,
			Thresholds: 1 + (k&3+4)%4, Grid: Grid{Points: grid % 1000}, Trim: []float64{trim}, Reps: []int{int(flags % 3)},
			Convention: Convention(flags >> 2 & 1), Bootstrap: BootstrapKind(flags >> 3 % 5)}
		p, err := Prepare(tab, spec)
		if err != nil {
			return
		}
		res, err := p.Estimate(Options{Workers: 1})
		if err != nil {
			return
		}
		if _, err := res.JSON(); err != nil {
			t.Fatalf("result does not encode: %v", err)
		}
	})
}
