package threshold

import (
	"encoding/json"
	"fmt"
	"math"
	"testing"
)

// TestNum checks that a Num encodes as encoding/json encodes a float64,
// NaN as null, decodes back, and prints NaN as Stata's ".".
func TestNum(t *testing.T) {
	for _, tt := range []struct {
		v          float64
		json, text string
	}{
		{0.9990000000000001, "0.9990000000000001", "[    0.9990]"},
		{1e21, "1e+21", "[1000000000000000000000.0000]"},
		{-0.25, "-0.25", "[   -0.2500]"},
		{1, "1", "[    1.0000]"},
		{math.NaN(), "null", "[         .]"},
	} {
		plain, _ := json.Marshal(tt.v)
		got, err := json.Marshal(Num(tt.v))
		if err != nil || string(got) != tt.json || (!math.IsNaN(tt.v) && string(got) != string(plain)) {
			t.Errorf("Marshal(%v) = %s, %v; want %s", tt.v, got, err, tt.json)
		}
		var back Num
		if err := json.Unmarshal(got, &back); err != nil || !(float64(back) == tt.v || math.IsNaN(tt.v) && math.IsNaN(float64(back))) {
			t.Errorf("Unmarshal(%s) = %v, %v", got, back, err)
		}
		if s := fmt.Sprintf("[%10.4f]", Num(tt.v)); s != tt.text {
			t.Errorf("%%10.4f of %v = %q, want %q", tt.v, s, tt.text)
		}
	}
	if s := fmt.Sprintf("[%-4.2f]", Num(math.NaN())); s != "[.   ]" {
		t.Errorf("%%-4.2f of NaN = %q", s)
	}
	var n Num
	if err := json.Unmarshal([]byte(`"1"`), &n); err == nil {
		t.Error(`Unmarshal("1") succeeded, want an error`)
	}
}

// TestNewFTest checks the F test's p-value where it is defined and its
// undefined cases: a negative statistic (Hansen's transform, whose residuals
// are not least squares on the rows it uses, can give one) has p = 1, as
// P(F > f) = 1 for f <= 0; no degrees of freedom or an undefined statistic
// give an undefined p-value, never a panic.
func TestNewFTest(t *testing.T) {
	nan := math.NaN()
	for _, tt := range []struct {
		stat     float64
		df1, df2 int
		p        float64
	}{
		{0, 3, 100, 1},
		{-0.0353, 564, 7342, 1},
		{-1e-300, 1, 1, 1},
		{math.Inf(1), 2, 10, 0},
		{1, 2, 2, 0.5}, // F(2, 2): P(F > f) = 1/(1 + f)
		{3, 2, 2, 0.25},
		{nan, 2, 10, nan},
		{1, 0, 10, nan},
		{1, 2, 0, nan},
		{1, -1, 10, nan},
	} {
		f := newFTest(tt.stat, tt.df1, tt.df2)
		p := float64(f.PValue)
		if !(math.Abs(p-tt.p) < 1e-12 || math.IsNaN(tt.p) && math.IsNaN(p)) || f.DF1 != tt.df1 || f.DF2 != tt.df2 {
			t.Errorf("newFTest(%v, %d, %d) = %+v, want p = %v", tt.stat, tt.df1, tt.df2, f, tt.p)
		}
	}
}
