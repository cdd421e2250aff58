package threshold

import (
	"bytes"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/thresher/thresher/estimators/panel"
)

// largeInvest returns Hansen's data replicated to at least rows rows: copy k
// of the 565 firms gets ids k*1000+id, so every copy is a balanced 15-period
// panel like the original (the shape of scripts/bench-memory.sh).
func largeInvest(b *testing.B, rows int) *panel.Table {
	b.Helper()
	raw, err := os.ReadFile("../../testdata/hansen1999/invest.csv")
	if err != nil {
		b.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(raw)), "\n")
	var buf bytes.Buffer
	buf.WriteString(lines[0] + "\n")
	for k, n := 0, 0; n < rows; k++ {
		for _, l := range lines[1:] {
			id, rest, _ := strings.Cut(l, ",")
			v, err := strconv.Atoi(id)
			if err != nil {
				b.Fatal(err)
			}
			fmt.Fprintf(&buf, "%d,%s\n", k*1000+v, rest)
			n++
		}
	}
	tab, err := panel.ReadCSV(&buf)
	if err != nil {
		b.Fatal(err)
	}
	return tab
}

// liveHeap returns the bytes of live heap objects after a collection.
func liveHeap() float64 {
	var m runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&m)
	return float64(m.HeapAlloc)
}

// BenchmarkPrepareLarge prepares the one-threshold model of
// scripts/bench-memory.sh (grid 10) on about a million rows and runs its
// point estimates with the fast kernel and their coefficients, the work of
// `thresher xthreg --bs 0`. Besides B/op it reports the heap the problem
// keeps per row after Prepare (kept/row) and after the point estimates
// (kept-est/row), which add the fast kernel's structures.
func BenchmarkPrepareLarge(b *testing.B) {
	tab := largeInvest(b, 1_000_000)
	spec := hansenSpec(0)
	spec.Thresholds, spec.Grid, spec.Trim, spec.Reps = 1, Grid{Points: 10}, []float64{0.01}, nil
	rows := float64(tab.Len())
	b.ReportAllocs()
	var kept, keptEst float64
	for b.Loop() {
		before := liveHeap()
		p, err := Prepare(tab, spec)
		if err != nil {
			b.Fatal(err)
		}
		kept = (liveHeap() - before) / rows
		est, err := p.PointEstimates(Fast)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := p.AssemblePoint(est); err != nil {
			b.Fatal(err)
		}
		keptEst = (liveHeap() - before) / rows
		runtime.KeepAlive(p)
	}
	b.ReportMetric(kept, "kept/row")
	b.ReportMetric(keptEst, "kept-est/row")
}
