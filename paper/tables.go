package paper

import "github.com/thresher/thresher/estimators/threshold"

// Tables are the paper's Tables 2 to 6.
type Tables struct {
	Descriptives  *Descriptives    // Table 2
	Benchmark     *RegressionTable // Table 3
	Heterogeneity *RegressionTable // Table 4
	Mediation     *RegressionTable // Table 5
	Threshold     *ThresholdTable  // Table 6
}

// Compute computes every table from the data set, the mediation bootstrap
// draws (see Table5) and the threshold results (see Table6).
func Compute(ds *Dataset, spec Spec, draws map[string][]float64, thresholds []*threshold.Result) (*Tables, error) {
	var t Tables
	var err error
	if t.Descriptives, err = Table2(ds, spec); err != nil {
		return nil, err
	}
	if t.Benchmark, err = Table3(ds, spec); err != nil {
		return nil, err
	}
	if t.Heterogeneity, err = Table4(ds, spec); err != nil {
		return nil, err
	}
	if t.Mediation, err = Table5(ds, spec, draws); err != nil {
		return nil, err
	}
	if t.Threshold, err = Table6(thresholds, spec); err != nil {
		return nil, err
	}
	return &t, nil
}

// List returns the tables in order, for WriteAll.
func (t *Tables) List() []Table {
	return []Table{t.Descriptives, t.Benchmark, t.Heterogeneity, t.Mediation, t.Threshold}
}
