package panel

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"runtime"
	"testing"
)

// hansenShaped returns a balanced panel shaped like Hansen's (1999) data:
// units 1..units over the years 1973-1987, columns id, year, i, q, c, d.
func hansenShaped(units int) []byte {
	var buf bytes.Buffer
	buf.WriteString("id,year,i,q,c,d\n")
	rng := rand.New(rand.NewPCG(1, 2))
	for u := range units {
		for t := 1973; t < 1988; t++ {
			fmt.Fprintf(&buf, "%d,%d,%.5f,%.5f,%.5f,%.5f\n", u+1, t, rng.Float64(), rng.Float64()*3, rng.Float64()/2, rng.Float64())
		}
	}
	return buf.Bytes()
}

// BenchmarkReadCSV reads a Hansen-shaped file (id, year and four numbers)
// keeping every column or one, then builds a lagged model from it, and
// reports the heap the table keeps per byte of the file (kept/file-byte).
func BenchmarkReadCSV(b *testing.B) {
	data := hansenShaped(20_000)
	terms, err := ParseList("i,L.q,L.q^2,L.d,L.q*L.d,L.c")
	if err != nil {
		b.Fatal(err)
	}
	for _, keep := range [][]string{nil, {"q"}} {
		b.Run(fmt.Sprintf("keep=%d", len(keep)), func(b *testing.B) {
			b.ReportAllocs()
			var kept float64
			for b.Loop() {
				var before, after runtime.MemStats
				runtime.GC()
				runtime.ReadMemStats(&before)
				tab, err := ReadCSV(bytes.NewReader(data), keep...)
				if err != nil {
					b.Fatal(err)
				}
				runtime.GC()
				runtime.ReadMemStats(&after)
				kept = (float64(after.HeapAlloc) - float64(before.HeapAlloc)) / float64(len(data))
				if keep == nil {
					if _, err := Build(tab, Layout{ID: "id", Time: "year"}, terms); err != nil {
						b.Fatal(err)
					}
				}
				runtime.KeepAlive(tab)
			}
			b.ReportMetric(kept, "kept/file-byte")
		})
	}
}

// BenchmarkBuildLarge builds the model of scripts/bench-memory.sh (Hansen's
// terms, lags of one period) on a balanced Hansen-shaped panel of about a
// million rows read by ReadSchema, and reports per row the heap the table
// keeps (table/row), what Build allocates (build-alloc/row: its peak above
// the table, when nothing it allocates is freed before it returns) and what
// the panel keeps (panel/row).
func BenchmarkBuildLarge(b *testing.B) {
	data := hansenShaped(66_667)
	layout := Layout{ID: "id", Time: "year"}
	terms, err := ParseList("i,L.q,L.q^2,L.q^3,L.d,L.q*L.d,L.c,L.d")
	if err != nil {
		b.Fatal(err)
	}
	var table, alloc, kept float64
	for b.Loop() {
		var start, read, built, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&start)
		tab, err := ReadSchema(bytes.NewReader(data), SchemaOf(layout, terms))
		if err != nil {
			b.Fatal(err)
		}
		runtime.GC()
		runtime.ReadMemStats(&read)
		p, err := Build(tab, layout, terms)
		if err != nil {
			b.Fatal(err)
		}
		runtime.ReadMemStats(&built)
		runtime.GC()
		runtime.ReadMemStats(&after)
		runtime.KeepAlive(tab)
		rows := float64(tab.Len())
		table = float64(read.HeapAlloc-start.HeapAlloc) / rows
		alloc = float64(built.TotalAlloc-read.TotalAlloc) / rows
		kept = (float64(after.HeapAlloc) - float64(read.HeapAlloc)) / rows
		runtime.KeepAlive(p)
	}
	b.ReportMetric(table, "table/row")
	b.ReportMetric(alloc, "build-alloc/row")
	b.ReportMetric(kept, "panel/row")
}
