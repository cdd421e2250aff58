package montecarlo_test

import (
	"context"
	"fmt"

	"github.com/thresher/thresher/estimators/model"
	"github.com/thresher/thresher/estimators/montecarlo"
	"github.com/thresher/thresher/estimators/panel"
)

// inline runs a study's task families in this goroutine, one task each; a
// cluster runs them on its workers.
type inline struct{ m model.Model }

func (r inline) Run(ctx context.Context, f model.Family) ([]float64, error) {
	return r.m.Execute(ctx, model.Task{Family: f.Name, Work: f.Work, First: 0, Last: f.N})
}

// A study of the single-threshold test on 40 replications of a panel of 50
// units over 5 periods with a threshold at q = 0.5 where the slope moves
// from 1 to 2, run in this process.
func Example() {
	study := `{"version":1,"replications":40,"seed":3,
	  "designs":[{"family":"threshold","n":50,"t":5,"regime_dependent":[{"name":"x"}],"thresholds":[0.5],"slopes":[[1],[2]]}],
	  "estimators":[{"label":"xthreg","grid":50,"bs":99}]}`
	spec, err := montecarlo.Kind{}.DecodeSpec([]byte(study))
	if err != nil {
		fmt.Println(err)
		return
	}
	m, err := spec.Prepare(&panel.Table{}) // a threshold design reads no data
	if err != nil {
		fmt.Println(err)
		return
	}
	raw, err := m.Lead(context.Background(), inline{m})
	if err != nil {
		fmt.Println(err)
		return
	}
	s, _ := montecarlo.DecodeSummary(raw)
	st := s.Designs[0].Estimators[0].Stages[0]
	fmt.Printf("power at 5%%: %.3f (MC s.e. %.3f)\n", st.Reject[1].Rate, st.Reject[1].SE)
	fmt.Printf("coverage of the 95%% LR interval: %.3f\n", st.Coverage[0])
	fmt.Printf("thresholds selected (0, 1): %.3f\n", s.Designs[0].Estimators[0].Selection)
	// Output:
	// power at 5%: 1.000 (MC s.e. 0.000)
	// coverage of the 95% LR interval: 0.775
	// thresholds selected (0, 1): [0.000 1.000]
}
