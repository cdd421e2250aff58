package dynthreshold_test

import (
	"context"
	"fmt"
	"log"

	"github.com/thresher/thresher/estimators/dynthreshold"
	"github.com/thresher/thresher/estimators/panel"
)

// A dynamic investment equation on Hansen's (1999) data with the threshold
// variable, debt, endogenous, on a grid of 10 points, and its linearity test
// with 100 replications.
func Example() {
	tab, err := panel.ReadCSVFile("../../testdata/hansen1999/invest.csv")
	if err != nil {
		log.Fatal(err)
	}
	pr, err := dynthreshold.Prepare(tab, dynthreshold.Spec{ID: "id", Time: "year", Depvar: "i", Qx: "d",
		Indep: []string{"q", "c", "d"}, Endo: []string{"d"}, GridNum: 10, Boost: 100, Seed: 1})
	if err != nil {
		log.Fatal(err)
	}
	res, err := pr.Estimate(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	c := res.Coefficients[0]
	fmt.Printf("%s %.4f (%.4f)\n", c.Name, c.Estimate, c.SE)
	fmt.Printf("threshold %.4f, %d instruments, linearity p-value %.2f\n", res.Threshold, res.Instruments, res.Linearity.PValue)
	// Output:
	// Lag_y_b 0.5364 (0.0403)
	// threshold 0.1268, 221 instruments, linearity p-value 0.00
}
