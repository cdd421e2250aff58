package dynthreshold

import (
	"context"
	"testing"
	"time"

	"github.com/thresher/thresher/estimators/panel"
)

// BenchmarkReplication times bootstrap replications of the linearity test
// on Hansen's investment data (565 firms, 15 years, the dynamic model with d
// endogenous, 221 instruments, grid 100), fast path in batches of 256 and
// reference path one by one; both report ns per replication.
//
//	go test -run - -bench Replication -benchtime 2x ./estimators/dynthreshold
func BenchmarkReplication(b *testing.B) {
	tab, err := panel.ReadCSVFile("../../testdata/hansen1999/invest.csv")
	if err != nil {
		b.Fatal(err)
	}
	pr, err := Prepare(tab, Spec{ID: "id", Time: "year", Depvar: "i", Qx: "d", Indep: []string{"q", "c", "d"}, Endo: []string{"d"}})
	if err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	s, err := pr.LinearitySetup(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("setup (sup-Wald statistic and fast-path matrices over %d grid points): %v", len(pr.grid), time.Since(start))
	b.Run("fast", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			s.replicateFast(1, i*batch, (i+1)*batch)
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*batch), "ns/rep")
	})
	b.Run("reference", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			s.replicateReference(1, i, i+1)
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N), "ns/rep")
	})
}
