package threshold

// Work estimates, without doing any of it, the cost of estimating the
// specification on a data set of rows observations, in work units: one unit
// is one observation or one candidate threshold visited in one pass over the
// data. Every stage makes one pass for its point estimate (stage 2 one more
// for the refinement) and one per bootstrap replication (two in stages 3
// and later with BootstrapRefine); the reference algorithm, one regression
// per candidate, visits every observation at every candidate. The candidates are taken as min(grid points, rows), an upper
// bound of the distinct values inside the trim, so the estimate bounds the
// work from above. The specification is normalised first; an invalid one is
// an error.
func (s Spec) Work(rows int, alg Algorithm) (float64, error) {
	if err := s.Normalize(); err != nil {
		return 0, err
	}
	n := float64(rows)
	candidates := n
	if s.Grid.Points > 0 {
		candidates = min(n, float64(s.Grid.Points))
	}
	perPass := n + candidates
	if alg == Reference {
		perPass = n * candidates
	}
	var passes float64
	for k, b := range s.Reps {
		passes += 1 + float64(b)
		if s.BootstrapRefine && k >= 2 {
			passes += float64(b) // each replication's refinement
		}
	}
	if s.Thresholds >= 2 && s.Given == nil {
		passes++ // the refinement of stage 2
	}
	return passes * perPass, nil
}
