package specconv

import (
	"errors"
	"fmt"

	pb "github.com/thresher/thresher/proto/thresherv1"
)

// DefaultMaxWork is the default limit of a job's estimated work: about
// ten thousand times Hansen's (1999) three-threshold example with 300
// replications per stage, hours of one core's time.
const DefaultMaxWork = 1e11

// ErrTooMuchWork reports a job whose estimated work exceeds the limit.
var ErrTooMuchWork = errors.New("job too large")

// Work returns the estimated work of a job's specifications on a data set
// of rows observations: the sum of threshold.Spec.Work and
// mediation.Spec.Work.
func Work(specs []*pb.Specification, rows int) (float64, error) {
	var total float64
	for i, item := range specs {
		w, err := itemWork(item, rows)
		if err != nil {
			if len(specs) > 1 {
				err = fmt.Errorf("specification %s: %w", Label(item, i), err)
			}
			return 0, err
		}
		total += w
	}
	return total, nil
}

func itemWork(item *pb.Specification, rows int) (float64, error) {
	switch m := item.Model.(type) {
	case *pb.Specification_Threshold:
		spec, alg, err := ThresholdFromProto(m.Threshold)
		if err != nil {
			return 0, err
		}
		return spec.Work(rows, alg)
	case *pb.Specification_Mediation:
		_, spec, err := MediationFromProto(m.Mediation)
		if err != nil {
			return 0, err
		}
		return spec.Work(rows)
	}
	return 0, fmt.Errorf("unsupported model %T", item.Model)
}

// CheckWork returns the estimated work of a job on rows observations and
// refuses the job when it exceeds max, with a message giving the estimate
// and naming the setting of the limit (e.g. "--max-work (THRESHER_MAX_WORK)").
func CheckWork(specs []*pb.Specification, rows int, max float64, setting string) (float64, error) {
	w, err := Work(specs, rows)
	if err != nil || w <= max {
		return w, err
	}
	return w, fmt.Errorf("%w: its estimated work is %.3g units on %d observations, above the limit of %.3g set by %s "+
		"(a unit is an observation or candidate threshold visited once; each bootstrap replication and point estimate visits them all); "+
		"reduce the replications, grid points or thresholds, or raise the limit", ErrTooMuchWork, w, rows, max, setting)
}
