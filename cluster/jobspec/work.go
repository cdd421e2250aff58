package jobspec

import (
	"errors"
	"fmt"

	"github.com/thresher/thresher/estimators/model"
	pb "github.com/thresher/thresher/proto/thresherv1"
)

// DefaultMaxWork is the default limit of a job's estimated work: about
// ten thousand times Hansen's (1999) three-threshold example with 300
// replications per stage, hours of one core's time.
const DefaultMaxWork = 1e11

// ErrTooMuchWork reports a job whose estimated work exceeds the limit.
var ErrTooMuchWork = errors.New("job too large")

// Work returns the estimated work of a job's specifications on a data set
// of rows observations: the sum of the estimates of the specifications
// whose kind estimates its work (model.Costed), each decoded with kinds.
func Work(kinds *model.Registry, specs []*pb.Specification, rows int) (float64, error) {
	var total float64
	for i, item := range specs {
		w, err := itemWork(kinds, item, rows)
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

func itemWork(kinds *model.Registry, item *pb.Specification, rows int) (float64, error) {
	spec, err := kinds.Decode(item.Kind, item.Spec)
	if err != nil {
		return 0, err
	}
	if c, ok := spec.(model.Costed); ok {
		return c.Work(rows)
	}
	return 0, nil
}

// CheckWork returns the estimated work of a job on rows observations and
// refuses the job when it exceeds max, with a message giving the estimate
// and naming the setting of the limit (e.g. "--max-work (THRESHER_MAX_WORK)").
func CheckWork(kinds *model.Registry, specs []*pb.Specification, rows int, max float64, setting string) (float64, error) {
	w, err := Work(kinds, specs, rows)
	if err != nil || w <= max {
		return w, err
	}
	return w, fmt.Errorf("%w: its estimated work is %.3g units on %d observations, above the limit of %.3g set by %s "+
		"(a unit is an observation or candidate threshold visited once; each bootstrap replication and point estimate visits them all); "+
		"reduce the replications, grid points or thresholds, or raise the limit", ErrTooMuchWork, w, rows, max, setting)
}
