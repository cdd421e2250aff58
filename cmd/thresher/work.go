package main

import (
	"fmt"
	"math"
	"strconv"
)

// workFlag is a limit of a job's estimated work (see jobspec.Work): a
// positive, finite number such as 1e11.
type workFlag float64

func (w *workFlag) String() string { return strconv.FormatFloat(float64(*w), 'g', -1, 64) }

func (w *workFlag) Set(s string) error {
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || !(v > 0) || math.IsInf(v, 0) {
		return fmt.Errorf("%q is not a positive number of work units (e.g. 1e11)", s)
	}
	*w = workFlag(v)
	return nil
}
