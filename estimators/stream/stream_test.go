package stream

import (
	"math"
	"slices"
	"testing"

	"github.com/thresher/thresher/internal/golden"
)

type goldenCase struct {
	Seed    uint64  `json:"seed"`
	Purpose Purpose `json:"purpose"`
	Stage   int     `json:"stage"`
	Rep     int     `json:"rep"`
	N       int     `json:"n"`
	Draws   []int   `json:"draws"`
}

// TestGolden pins the draws of a few streams: a change of key derivation,
// generator or bounded-integer method changes every published bootstrap and
// must be deliberate.
func TestGolden(t *testing.T) {
	cases := []goldenCase{
		{Seed: 1, Purpose: ThresholdBootstrap, Stage: 1, Rep: 0, N: 565},
		{Seed: 1, Purpose: ThresholdBootstrap, Stage: 1, Rep: 1, N: 565},
		{Seed: 1, Purpose: ThresholdBootstrap, Stage: 2, Rep: 0, N: 565},
		{Seed: 2, Purpose: ThresholdBootstrap, Stage: 1, Rep: 0, N: 565},
		{Seed: 1, Purpose: MediationBootstrap, Stage: 1, Rep: 0, N: 30},
		{Seed: 18446744073709551615, Purpose: ThresholdBootstrap, Stage: 3, Rep: 999999, N: 7},
	}
	for i := range cases {
		s := New(cases[i].Seed, cases[i].Purpose, cases[i].Stage, cases[i].Rep)
		for j := 0; j < 8; j++ {
			cases[i].Draws = append(cases[i].Draws, s.IntN(cases[i].N))
		}
	}
	var want []goldenCase
	golden.JSON(t, "testdata/golden.json", cases, &want)
	if len(want) != len(cases) {
		t.Fatalf("golden file has %d cases, test has %d", len(want), len(cases))
	}
	for i := range cases {
		if !slices.Equal(cases[i].Draws, want[i].Draws) {
			t.Errorf("%+v: draws %v, golden %v", want[i], cases[i].Draws, want[i].Draws)
		}
	}
}

// TestIntNUniform checks range and rough uniformity of the bounded draws.
func TestIntNUniform(t *testing.T) {
	s := New(3, ThresholdBootstrap, 1, 0)
	const n, draws = 7, 70000
	counts := make([]int, n)
	for i := 0; i < draws; i++ {
		v := s.IntN(n)
		if v < 0 || v >= n {
			t.Fatalf("IntN(%d) = %d", n, v)
		}
		counts[v]++
	}
	// Chi-square with 6 df: 22.46 is its 99.9% quantile.
	chi := 0.0
	for _, c := range counts {
		d := float64(c) - draws/n
		chi += d * d / (draws / n)
	}
	if chi > 22.46 {
		t.Errorf("chi-square %.2f over 7 cells: counts %v", chi, counts)
	}
}

// TestStreamsDiffer checks that keys separate streams.
func TestStreamsDiffer(t *testing.T) {
	first := func(s *Stream) [4]int {
		return [4]int{s.IntN(1 << 30), s.IntN(1 << 30), s.IntN(1 << 30), s.IntN(1 << 30)}
	}
	base := first(New(1, ThresholdBootstrap, 1, 0))
	for _, s := range []*Stream{New(2, ThresholdBootstrap, 1, 0), New(1, MediationBootstrap, 1, 0), New(1, DataGeneration, 1, 0), New(1, ThresholdBootstrap, 2, 0), New(1, ThresholdBootstrap, 1, 1)} {
		if first(s) == base {
			t.Error("two different keys produced the same stream")
		}
	}
	if first(New(1, ThresholdBootstrap, 1, 0)) != base {
		t.Error("the same key produced different streams")
	}
}

// TestNormal pins the first normal draws of one stream (a change of the
// transform changes every published multiplier bootstrap) and checks their
// first two moments on a long run.
func TestNormal(t *testing.T) {
	s := New(1, DynamicThresholdBootstrap, 1, 0)
	got := []float64{s.Normal(), s.Normal(), s.Normal()}
	want := []float64{1.0864987862529385, -0.28688685228848776, 1.4799334666028261}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("draw %d = %.17g, pinned %.17g", i, got[i], want[i])
		}
	}
	const draws = 100000
	sum, sum2 := 0.0, 0.0
	for i := 0; i < draws; i++ {
		z := s.Normal()
		sum += z
		sum2 += z * z
	}
	mean, variance := sum/draws, sum2/draws-(sum/draws)*(sum/draws)
	// Standard errors: 1/sqrt(1e5) = 0.0032 for the mean, sqrt(2/1e5) =
	// 0.0045 for the variance; 5 of them bound both.
	if math.Abs(mean) > 0.016 || math.Abs(variance-1) > 0.023 {
		t.Errorf("mean %.4f, variance %.4f of %d draws", mean, variance, draws)
	}
}
