package main

import (
	"errors"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"

	"github.com/thresher/thresher/estimators/threshold"
)

// The option values below parse an option's text and check its range once,
// for the command line, its THRESHER_* variable and a sweep file alike.
// Numbers are written in decimal notation with an optional exponent (1e-3);
// hexadecimal, infinities, NaN and digit separators are refused, and an
// integer option refuses a fraction instead of truncating it.

// numberRE is the grammar of a numeric option value.
var numberRE = regexp.MustCompile(`^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$`)

// parseNumber parses a finite number.
func parseNumber(s string) (float64, error) {
	s = strings.TrimSpace(s)
	if !numberRE.MatchString(s) {
		return 0, fmt.Errorf("%q is not a number", s)
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, fmt.Errorf("%q is out of range", s)
	}
	return v, nil
}

// parseInt parses an integer in [lo, hi].
func parseInt(s string, lo, hi int) (int, error) {
	s = strings.TrimSpace(s)
	v, err := strconv.Atoi(s)
	switch {
	case err != nil && numberRE.MatchString(s):
		return 0, fmt.Errorf("%q is not an integer", s)
	case err != nil:
		return 0, fmt.Errorf("%q is not a number", s)
	case v < lo || v > hi:
		return 0, fmt.Errorf("%d is outside %d..%d", v, lo, hi)
	}
	return v, nil
}

// interval is the range of a numeric option.
type interval struct {
	lo, hi float64
	open   bool // exclude lo and hi
}

// anyNumber is the interval of every finite number.
var anyNumber = interval{lo: -math.MaxFloat64, hi: math.MaxFloat64}

func (r interval) check(v float64) error {
	switch {
	case r.open && !(v > r.lo && v < r.hi):
		return fmt.Errorf("%v must lie strictly between %v and %v", v, r.lo, r.hi)
	case !(v >= r.lo && v <= r.hi):
		return fmt.Errorf("%v must lie between %v and %v", v, r.lo, r.hi)
	}
	return nil
}

// intValue is an integer option in [lo, hi].
type intValue struct {
	p      *int
	lo, hi int
}

func (v intValue) String() string {
	if v.p == nil {
		return ""
	}
	return strconv.Itoa(*v.p)
}

func (v intValue) Set(s string) error {
	n, err := parseInt(s, v.lo, v.hi)
	if err == nil {
		*v.p = n
	}
	return err
}

// seedValue is an unsigned 64-bit integer option.
type seedValue struct{ p *uint64 }

func (v seedValue) String() string {
	if v.p == nil {
		return ""
	}
	return strconv.FormatUint(*v.p, 10)
}

func (v seedValue) Set(s string) error {
	n, err := strconv.ParseUint(strings.TrimSpace(s), 10, 64)
	if err != nil {
		return fmt.Errorf("%q is not an integer between 0 and %d", s, uint64(math.MaxUint64))
	}
	*v.p = n
	return nil
}

// floatValue is a numeric option in an interval.
type floatValue struct {
	p *float64
	r interval
}

func (v floatValue) String() string {
	if v.p == nil {
		return ""
	}
	return strconv.FormatFloat(*v.p, 'g', -1, 64)
}

func (v floatValue) Set(s string) error {
	x, err := parseNumber(s)
	if err == nil {
		err = v.r.check(x)
	}
	if err == nil {
		*v.p = x
	}
	return err
}

// levelValue is a confidence level, kept as given: a percent or a
// fraction, by threshold.LevelFraction's rule.
type levelValue struct{ p *float64 }

func (v levelValue) String() string { return floatValue{p: v.p}.String() }

func (v levelValue) Set(s string) error {
	x, err := parseNumber(s)
	if err == nil {
		_, err = threshold.LevelFraction(x)
	}
	if err == nil {
		*v.p = x
	}
	return err
}

// errEmptyList refuses a list option given no value (--bs=, bs: []), which
// would otherwise fall back to the default silently.
var errEmptyList = errors.New("an empty list: give at least one value, or leave the option out for its default")

// numericValue marks the options whose values are numbers: a sweep file
// writes them as YAML numbers, unquoted, as paper and montecarlo files do
// ("1" in quotes is text there and here).
type numericValue interface{ isNumeric() }

func (intValue) isNumeric()    {}
func (seedValue) isNumeric()   {}
func (floatValue) isNumeric()  {}
func (levelValue) isNumeric()  {}
func (floatsValue) isNumeric() {}
func (intsValue) isNumeric()   {}

// listValue marks the options that take a list: a sweep file may give them
// a YAML sequence as well as a scalar.
type listValue interface{ isList() }

// splitList splits a list option's text at commas and spaces.
func splitList(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' })
}

// floatsValue is a comma- or space-separated list of numbers, each in an
// interval.
type floatsValue struct {
	p *[]float64
	r interval
}

func (floatsValue) isList() {}

func (v floatsValue) String() string {
	if v.p == nil {
		return ""
	}
	s := make([]string, len(*v.p))
	for i, x := range *v.p {
		s[i] = strconv.FormatFloat(x, 'g', -1, 64)
	}
	return strings.Join(s, ",")
}

func (v floatsValue) Set(s string) error {
	var out []float64
	for _, part := range splitList(s) {
		x, err := parseNumber(part)
		if err == nil {
			err = v.r.check(x)
		}
		if err != nil {
			return err
		}
		out = append(out, x)
	}
	if len(out) == 0 {
		return errEmptyList
	}
	*v.p = out
	return nil
}

// intsValue is a comma- or space-separated list of integers in [lo, hi].
type intsValue struct {
	p      *[]int
	lo, hi int
}

func (intsValue) isList() {}

func (v intsValue) String() string {
	if v.p == nil {
		return ""
	}
	s := make([]string, len(*v.p))
	for i, x := range *v.p {
		s[i] = strconv.Itoa(x)
	}
	return strings.Join(s, ",")
}

func (v intsValue) Set(s string) error {
	var out []int
	for _, part := range splitList(s) {
		n, err := parseInt(part, v.lo, v.hi)
		if err != nil {
			return err
		}
		out = append(out, n)
	}
	if len(out) == 0 {
		return errEmptyList
	}
	*v.p = out
	return nil
}

// listFlag is a comma-separated list of strings.
type listFlag []string

func (*listFlag) isList() {}

func (l *listFlag) String() string { return strings.Join(*l, ",") }

func (l *listFlag) Set(s string) error {
	*l = nil
	for _, part := range strings.Split(s, ",") {
		if part = strings.TrimSpace(part); part != "" {
			*l = append(*l, part)
		}
	}
	return nil
}

// choiceValue is a string option that parse accepts.
type choiceValue struct {
	p     *string
	parse func(string) error
}

func (v choiceValue) String() string {
	if v.p == nil {
		return ""
	}
	return *v.p
}

func (v choiceValue) Set(s string) error {
	if err := v.parse(s); err != nil {
		return err
	}
	*v.p = s
	return nil
}

// boolValue is a switch: "--save-draws" alone sets it.
type boolValue struct{ p *bool }

func (boolValue) IsBoolFlag() bool { return true }

func (v boolValue) String() string {
	if v.p == nil {
		return ""
	}
	return strconv.FormatBool(*v.p)
}

func (v boolValue) Set(s string) error {
	b, err := strconv.ParseBool(strings.TrimSpace(s))
	if err != nil {
		return fmt.Errorf("%q is neither true nor false", s)
	}
	*v.p = b
	return nil
}
