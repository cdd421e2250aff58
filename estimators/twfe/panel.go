package twfe

import (
	"fmt"

	"github.com/thresher/thresher/estimators/panel"
)

// FitPanel regresses the term y on the terms x of a built panel (terms are
// named as in panel.Build's variable list) with the panel's units and
// periods as fixed effects. A name the panel lacks is an error wrapping
// panel.ErrUnknownColumn.
func FitPanel(p *panel.Panel, y string, x []string, opts Options) (*Result, error) {
	column := func(name string) ([]float64, error) {
		v, ok := p.Column(name)
		if !ok {
			return nil, fmt.Errorf("%w: term %q is not in the panel", panel.ErrUnknownColumn, name)
		}
		return v, nil
	}
	yv, err := column(y)
	if err != nil {
		return nil, err
	}
	xv := make([][]float64, len(x))
	for j, name := range x {
		if xv[j], err = column(name); err != nil {
			return nil, err
		}
	}
	return Fit(yv, xv, x, p.Unit, p.Period, opts)
}
