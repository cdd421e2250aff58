package montecarlo

import (
	"context"
	"strings"
	"testing"

	"github.com/thresher/thresher/estimators/model"
	"github.com/thresher/thresher/estimators/panel"
)

// localRunner computes a family's tasks in this goroutine, shard by shard.
type localRunner struct{ m model.Model }

func (r localRunner) Run(ctx context.Context, f model.Family) ([]float64, error) {
	var out []float64
	for a := 0; a < f.N; a += f.Shard {
		v, err := r.m.Execute(ctx, model.Task{Family: f.Name, Work: f.Work, First: a, Last: min(a+f.Shard, f.N)})
		if err != nil {
			return nil, err
		}
		out = append(out, v...)
	}
	return out, nil
}

// lead decodes a study, prepares it on a placeholder dataset and runs it
// in this process.
func lead(t *testing.T, study string) []byte {
	t.Helper()
	spec, err := Kind{}.DecodeSpec([]byte(study))
	if err != nil {
		t.Fatal(err)
	}
	m, err := spec.Prepare(&panel.Table{})
	if err != nil {
		t.Fatal(err)
	}
	res, err := m.Lead(context.Background(), localRunner{m})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestSmoke(t *testing.T) {
	res := lead(t, `{"version":1,"replications":20,"seed":1,
	"designs":[{"family":"threshold","n":100,"t":10,"regime_dependent":[{"name":"x"}],"thresholds":[0.5],"slopes":[[1]],"effect":[0,0.4]}],
	"estimators":[{"convention":"xthreg","grid":100,"bs":100},{"convention":"hansen","grid":100,"bs":100,"thnum":2}]}`)
	t.Logf("%s", res)
	s, _ := DecodeSummary(res)
	var b = new(strings.Builder)
	s.Write(b, Text)
	t.Log(b.String())
}
