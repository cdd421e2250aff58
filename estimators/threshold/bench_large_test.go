package threshold

import (
	"bytes"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
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

// resetPeakRSS returns the operating system's current resident set size in
// bytes after a collection that returns freed memory to it, and resets the
// peak (VmHWM) to that size; ok is false where Linux's /proc does not allow
// it.
func resetPeakRSS() (rss float64, ok bool) {
	debug.FreeOSMemory()
	if os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) != nil {
		return 0, false
	}
	return procStatus("VmRSS")
}

// procStatus returns a size field of /proc/self/status in bytes.
func procStatus(field string) (float64, bool) {
	raw, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, false
	}
	for _, l := range strings.Split(string(raw), "\n") {
		if v, ok := strings.CutPrefix(l, field+":"); ok {
			kb, err := strconv.ParseFloat(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 64)
			return kb * 1024, err == nil
		}
	}
	return 0, false
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
// (kept-est/row), which add the fast kernel's structures, and, on Linux, the
// growth of the peak resident set over the whole run (peak-rss/row: heap,
// garbage not yet collected and runtime overhead).
func BenchmarkPrepareLarge(b *testing.B) {
	tab := largeInvest(b, 1_000_000)
	spec := hansenSpec(0)
	spec.Thresholds, spec.Grid, spec.Trim, spec.Reps = 1, Grid{Points: 10}, []float64{0.01}, nil
	rows := float64(tab.Len())
	b.ReportAllocs()
	var kept, keptEst, peak float64
	for b.Loop() {
		rss, rssOK := resetPeakRSS()
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
		if hwm, ok := procStatus("VmHWM"); ok && rssOK {
			peak = (hwm - rss) / rows
		}
		runtime.KeepAlive(p)
	}
	if peak > 0 {
		b.ReportMetric(peak, "peak-rss/row")
	}
	b.ReportMetric(kept, "kept/row")
	b.ReportMetric(keptEst, "kept-est/row")
}
