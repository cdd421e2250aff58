package panel_test

import (
	"fmt"
	"strings"

	"github.com/thresher/thresher/estimators/panel"
)

// ExampleBuildWith builds period effects, a difference and a logarithm on
// a panel with a missing cell: the row missing x is dropped (listwise),
// D.x drops each unit's first period, and i.t leaves out the first period
// that remains.
func ExampleBuildWith() {
	csv := "id,t,x\n1,1,1\n1,2,2\n1,3,NA\n1,4,8\n2,1,1\n2,2,3\n2,3,9\n2,4,27\n"
	table, err := panel.ReadCSV(strings.NewReader(csv))
	if err != nil {
		panic(err)
	}
	terms, err := panel.ParseList("D.x, ln(x), i.t")
	if err != nil {
		panic(err)
	}
	p, err := panel.BuildWith(table, panel.Layout{ID: "id", Time: "t"}, terms,
		panel.BuildOptions{Factors: true, DropMissing: true})
	if err != nil {
		panic(err)
	}
	for c, term := range p.Terms {
		fmt.Printf("%-5s %.4g\n", term.Name, p.Values[c])
	}
	fmt.Println("periods", p.Period, "dropped for lags", p.Dropped, "for missing values", p.Missing)
	// Output:
	// D.x   [1 2 6 18]
	// ln(x) [0.6931 1.099 2.197 3.296]
	// 3.t   [0 0 1 0]
	// 4.t   [0 0 0 1]
	// periods [2 2 3 4] dropped for lags 2 for missing values [{x 2}]
}
