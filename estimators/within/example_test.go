package within_test

import (
	"fmt"

	"github.com/thresher/thresher/estimators/within"
)

// Two units observed for three and two periods. Demeaning keeps every row
// (xthreg); Hansen's variant then deletes each unit's last period.
func ExampleNew() {
	starts := []int{0, 3, 5} // unit 0: rows 0-2, unit 1: rows 3-4
	y := []float64{1, 2, 6, 10, 20}
	for _, dropLast := range []bool{false, true} {
		t := within.New(starts, dropLast)
		out := make([]float64, t.Rows())
		t.Apply(out, y)
		fmt.Printf("dropLast=%v: %d rows %v\n", dropLast, t.Rows(), out)
	}
	// Output:
	// dropLast=false: 5 rows [-2 -1 3 -5 5]
	// dropLast=true: 3 rows [-2 -1 -5]
}
