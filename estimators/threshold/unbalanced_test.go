package threshold

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"math/rand/v2"
	"os"
	"strings"
	"testing"

	"github.com/thresher/thresher/estimators/panel"
)

// dropRows removes a share of the data rows of a CSV text, chosen with a
// fixed seed.
func dropRows(t testing.TB, text string, share float64, seed uint64) string {
	t.Helper()
	rows, err := csv.NewReader(strings.NewReader(text)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(seed, 1))
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.Write(rows[0])
	for _, r := range rows[1:] {
		if rng.Float64() >= share {
			w.Write(r)
		}
	}
	w.Flush()
	return b.String()
}

// TestUnbalancedFastMatchesReference extends the kernel property test to
// unbalanced panels and every wild bootstrap.
func TestUnbalancedFastMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(17, 3))
	kinds := []BootstrapKind{WildRademacher, WildMammen, WildWebb}
	for c := 0; c < 12; c++ {
		conv := []Convention{Hansen, Xthreg}[c%2]
		k := 1 + c%3
		spec := Spec{Convention: conv, ID: "id", Time: "t", Depvar: "y", Indep: []string{"z1"}, Rx: []string{"x1", "x2"}[:1+c%2],
			Qx: "q", Thresholds: k, Trim: []float64{0.15, 0.05, 0.05}[:k], Reps: []int{3}, Seed: uint64(c), Bootstrap: kinds[c%3]}
		t.Run(fmt.Sprintf("%d/%v/K%d/%v", c, conv, k, spec.Bootstrap), func(t *testing.T) {
			text := dropRows(t, randomPanel(rng, 10+rng.IntN(10), 6+rng.IntN(3)), 0.2, uint64(c))
			tab, err := panel.ReadCSV(strings.NewReader(text))
			if err != nil {
				t.Fatal(err)
			}
			p, err := Prepare(tab, spec)
			if err != nil {
				t.Fatal(err)
			}
			if p.unbalanced == nil {
				t.Fatal("the panel should be unbalanced")
			}
			est, errF := p.PointEstimates(Fast)
			ref, errR := p.PointEstimates(Reference)
			if (errF == nil) != (errR == nil) {
				t.Fatalf("fast error %v, reference error %v", errF, errR)
			}
			if errF != nil {
				t.Skipf("not estimable: %v", errF)
			}
			for s, st := range est.Stages {
				if fmt.Sprint(st.Thresholds) != fmt.Sprint(ref.Stages[s].Thresholds) {
					t.Fatalf("stage %d: %v, reference %v", s+1, st.Thresholds, ref.Stages[s].Thresholds)
				}
				checkProfiles(t, p, st.Null, st.K)
				checkBootstrap(t, p, st, 3)
			}
		})
	}
}

// TestHansenUnbalanced drops a random 10% of Hansen's firm-years: the model
// estimates, tests (wild bootstrap) and reports; on the balanced data the
// wild bootstrap's path keeps the balanced point estimates exactly.
func TestHansenUnbalanced(t *testing.T) {
	raw, err := os.ReadFile("../../testdata/hansen1999/invest.csv")
	if err != nil {
		t.Fatal(err)
	}
	tab, err := panel.ReadCSV(strings.NewReader(dropRows(t, string(raw), 0.10, 2026)))
	if err != nil {
		t.Fatal(err)
	}
	for _, conv := range []Convention{Hansen, Xthreg} {
		spec := hansenSpec(50)
		spec.Convention = conv
		_, res := prepareAndEstimate(t, tab, spec)
		if res.Balanced || res.Model.Bootstrap != "wild-rademacher" || len(res.Stages) != 3 || res.Stages[2].Bootstrap == nil {
			t.Errorf("%v: balanced %v, bootstrap %q, %d stages", conv, res.Balanced, res.Model.Bootstrap, len(res.Stages))
		}
		var text bytes.Buffer
		if err := res.WriteText(&text, Cluster); err != nil || !strings.Contains(text.String(), "Triple") {
			t.Errorf("%v: text report: %v", conv, err)
		}
		t.Logf("%v: %d units, %d observations, thresholds %v, p-values %v %v %v", conv, res.NUnits, res.NObsUsed,
			res.Stages[1].Thresholds, res.Stages[0].Bootstrap.PValue, res.Stages[1].Bootstrap.PValue, res.Stages[2].Bootstrap.PValue)
	}

	balanced := prepareFile(t, "invest.csv", hansenSpec(0))
	spec := hansenSpec(0)
	spec.Bootstrap = WildRademacher
	wild := prepareFile(t, "invest.csv", spec)
	a, err := balanced.Estimate(Options{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := wild.Estimate(Options{})
	if err != nil {
		t.Fatal(err)
	}
	b.Model.Bootstrap = a.Model.Bootstrap
	ja, _ := a.JSON()
	jb, _ := b.JSON()
	if !bytes.Equal(ja, jb) {
		t.Error("on balanced data the wild bootstrap's problem changed the point estimates")
	}
}
