package panel

import (
	"errors"
	"math"
	"testing"
)

// TestParseNumber checks the grammar of numeric cells: decimal and
// scientific notation only, finite as a float64.
func TestParseNumber(t *testing.T) {
	cases := []struct {
		in   string
		want float64
		err  error
	}{
		{"0", 0, nil},
		{"-2", -2, nil},
		{"+2.5", 2.5, nil},
		{".5", 0.5, nil},
		{"-.5", -0.5, nil},
		{"5.", 5, nil},
		{"1e3", 1000, nil},
		{"1E+3", 1000, nil},
		{"2.5e-3", 0.0025, nil},
		{"007", 7, nil},
		{"1e-400", 0, nil}, // rounds to zero like any decimal rounds to a float64
		{"1.7976931348623157e308", math.MaxFloat64, nil},
		{"", 0, ErrMissingValue},
		{".", 0, ErrMissingValue},
		{"NA", 0, ErrMissingValue},
		{"NaN", 0, ErrMissingValue},
		{"1e309", 0, ErrNotNumeric},
		{"-1e400", 0, ErrNotNumeric},
		{"Inf", 0, ErrNotNumeric},
		{"-infinity", 0, ErrNotNumeric},
		{"nan(1)", 0, ErrNotNumeric},
		{"0x1p3", 0, ErrNotNumeric},
		{"0X10P0", 0, ErrNotNumeric},
		{"1_000", 0, ErrNotNumeric},
		{"1,5", 0, ErrNotNumeric},
		{"1.5.2", 0, ErrNotNumeric},
		{"1e", 0, ErrNotNumeric},
		{"1e+", 0, ErrNotNumeric},
		{"e5", 0, ErrNotNumeric},
		{"+", 0, ErrNotNumeric},
		{"--1", 0, ErrNotNumeric},
		{"1.5x", 0, ErrNotNumeric},
		{"$1", 0, ErrNotNumeric},
		{"١٢", 0, ErrNotNumeric}, // Arabic-Indic digits
		{"１２", 0, ErrNotNumeric}, // full-width digits
		{"1 000", 0, ErrNotNumeric},
	}
	for _, c := range cases {
		got, err := parseNumber(c.in)
		if !errors.Is(err, c.err) || err == nil && got != c.want {
			t.Errorf("parseNumber(%q) = %v, %v; want %v, %v", c.in, got, err, c.want, c.err)
		}
	}
}

// TestParsePeriod checks that a period is an integer below 10^15, decided
// from its digits rather than from a rounded float.
func TestParsePeriod(t *testing.T) {
	cases := []struct {
		in   string
		want int
		err  error
	}{
		{"1974", 1974, nil},
		{"-3", -3, nil},
		{"+3", 3, nil},
		{"1974.0", 1974, nil},
		{"1974.", 1974, nil},
		{"1.974e3", 1974, nil},
		{"197400e-2", 1974, nil},
		{"0e99999999999999999999", 0, nil},
		{"-0", 0, nil},
		{"999999999999999", 999999999999999, nil},
		{"-999999999999999", -999999999999999, nil},
		{"9.99999999999999e14", 999999999999999, nil},
		{"NA", 0, ErrMissingValue},
		{"1974.5", 0, ErrBadPeriod},
		{"1974.0000000000001", 0, ErrBadPeriod}, // rounds to 1974 as a float64
		{"1e15", 0, ErrBadPeriod},
		{"1000000000000000", 0, ErrBadPeriod},
		{"-9223372036854775808", 0, ErrBadPeriod}, // lag arithmetic would overflow
		{"1e-5", 0, ErrBadPeriod},
		{"0x7b6p0", 0, ErrBadPeriod},
		{"1_974", 0, ErrBadPeriod},
		{"Inf", 0, ErrBadPeriod},
		{"1974a", 0, ErrBadPeriod},
	}
	for _, c := range cases {
		got, err := parsePeriod(c.in)
		if !errors.Is(err, c.err) || err == nil && got != c.want {
			t.Errorf("parsePeriod(%q) = %v, %v; want %v, %v", c.in, got, err, c.want, c.err)
		}
	}
}
