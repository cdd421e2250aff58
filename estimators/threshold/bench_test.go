package threshold

import (
	"testing"
)

// benchProblem prepares Hansen's model with the given grid.
func benchProblem(b *testing.B, grid Grid) (*Problem, *Estimates) {
	b.Helper()
	spec := hansenSpec(100)
	spec.Grid = grid
	p := prepareFile(b, "invest.csv", spec)
	est, err := p.PointEstimates(Fast)
	if err != nil {
		b.Fatal(err)
	}
	return p, est
}

// BenchmarkProfile measures one stage-1 search on the Hansen data (393
// candidates) with each kernel.
func BenchmarkProfile(b *testing.B) {
	p, _ := benchProblem(b, Grid{Points: 400})
	adm := p.grid.admissible(nil, 0.01)
	for _, alg := range []Algorithm{Fast, Reference} {
		b.Run(alg.String(), func(b *testing.B) {
			kern := p.kernel(alg)
			for b.Loop() {
				if _, err := kern.profile(p.yT, nil, adm); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkBootstrap measures 100 replications of each stage with the fast
// kernel, on the grid of 400 points and on the exact grid. Sweeps are
// cached across iterations, as they are across the batches of a run.
func BenchmarkBootstrap(b *testing.B) {
	for _, grid := range []Grid{{Points: 400}, {}} {
		p, est := benchProblem(b, grid)
		for _, st := range est.Stages {
			b.Run("grid"+grid.String()+"/stage"+string(rune('0'+st.K)), func(b *testing.B) {
				for b.Loop() {
					if _, err := p.Bootstrap(Fast, st.Setup(), 0, 100); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/100, "ns/replication")
			})
		}
	}
}

// BenchmarkSweep measures building the sweep of the first threshold from
// scratch against deriving it from the root sweep, on the exact grid.
func BenchmarkSweep(b *testing.B) {
	p, est := benchProblem(b, Grid{})
	k := p.fastKernel().(*fastKernel)
	g1 := est.Stages[0].Added
	root, err := k.sweepFor(nil)
	if err != nil {
		b.Fatal(err)
	}
	j := 0
	for p.grid.values[j] != g1 {
		j++
	}
	b.Run("build", func(b *testing.B) {
		for b.Loop() {
			if _, err := k.buildSweep([]float64{g1}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("derive", func(b *testing.B) {
		for b.Loop() {
			k.deriveSweep(root, j)
		}
	})
}
