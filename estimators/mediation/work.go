package mediation

// Work estimates, without doing any of it, the cost of the specification on
// a data set of rows observations, in the work units of threshold models:
// one unit is one observation visited in one pass over the data. The point
// estimates fit three equations and every bootstrap replication two (more
// when a resample must be redrawn, which the estimate ignores). An invalid
// specification is an error.
func (s Spec) Work(rows int) (float64, error) {
	if err := s.normalize(); err != nil {
		return 0, err
	}
	return (3 + 2*float64(s.Reps)) * float64(rows), nil
}
