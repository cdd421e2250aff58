package kinds

import (
	"github.com/thresher/thresher/estimators/dynthreshold"
	"github.com/thresher/thresher/estimators/mediation"
	"github.com/thresher/thresher/estimators/model"
	"github.com/thresher/thresher/estimators/montecarlo"
	"github.com/thresher/thresher/estimators/threshold"
)

// Builtin returns a new registry of the threshold, mediation, dynamic
// threshold and Monte Carlo kinds; callers may register more kinds in it.
func Builtin() *model.Registry {
	return model.NewRegistry(threshold.Kind{}, mediation.Kind{}, dynthreshold.Kind{}, montecarlo.Kind{})
}
