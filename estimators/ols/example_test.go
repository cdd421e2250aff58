package ols_test

import (
	"fmt"
	"log"

	"gonum.org/v1/gonum/mat"

	"github.com/thresher/thresher/estimators/ols"
)

// A straight line through four points, with classical standard errors
// (df = N - K = 2) and White's HC0.
func ExampleRegress() {
	x := mat.NewDense(4, 2, []float64{
		1, 1,
		1, 2,
		1, 3,
		1, 4,
	})
	y := []float64{3, 5, 8, 9}
	fit, err := ols.Regress(x, y, []string{"_cons", "x"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("coefficients %.4f, SSR %.4f\n", fit.Coef, fit.SSR)
	fmt.Printf("classical SE %.4f\n", ols.StdErrors(fit.Classical(2)))
	fmt.Printf("White SE     %.4f\n", ols.StdErrors(fit.White(1)))
	// Output:
	// coefficients [1.0000 2.1000], SSR 0.7000
	// classical SE [0.7246 0.2646]
	// White SE     [0.2449 0.1435]
}
