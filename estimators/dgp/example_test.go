package dgp_test

import (
	"encoding/json"
	"fmt"

	"github.com/thresher/thresher/estimators/dgp"
)

// A power study's designs: one threshold at q = 0.5 whose slope change runs
// over an effect-size grid, with AR(1) errors and 10% of the unit-periods
// missing.
func ExampleExpand() {
	spec := `[{
		"label": "power", "family": "threshold", "n": 100, "t": 10,
		"regressors": [{"name": "z", "slope": 0.5}],
		"regime_dependent": [{"name": "x"}],
		"thresholds": [0.5], "slopes": [[1]], "effect": [0, 0.4],
		"errors": {"law": "ar1", "rho": 0.3}, "drop": 0.1
	}]`
	var designs []dgp.Design
	if err := json.Unmarshal([]byte(spec), &designs); err != nil {
		fmt.Println(err)
		return
	}
	expanded, err := dgp.Expand(designs)
	if err != nil {
		fmt.Println(err)
		return
	}
	for k, d := range expanded {
		truth := d.Truth()
		sample, err := d.Draw(42, k, 0, nil)
		if err != nil {
			fmt.Println(err)
			return
		}
		fmt.Printf("%s: columns %v, %d rows; true thresholds %v, slopes %v\n",
			d.Label, sample.Names, sample.Len(), truth.Thresholds, truth.Slopes)
	}
	// Output:
	// power effect=0: columns [id t y z x q], 900 rows; true thresholds [], slopes [[1]]
	// power effect=0.4: columns [id t y z x q], 900 rows; true thresholds [0.5], slopes [[1] [1.4]]
}
