package panel

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"runtime"
	"testing"
)

// BenchmarkReadCSV reads a Hansen-shaped file (id, year and four numbers)
// keeping every column or one, then builds a lagged model from it, and
// reports the heap the table keeps per byte of the file (kept/file-byte).
func BenchmarkReadCSV(b *testing.B) {
	var buf bytes.Buffer
	buf.WriteString("id,year,i,q,c,d\n")
	rng := rand.New(rand.NewPCG(1, 2))
	for u := range 20_000 {
		for t := 1973; t < 1988; t++ {
			fmt.Fprintf(&buf, "%d,%d,%.5f,%.5f,%.5f,%.5f\n", u+1, t, rng.Float64(), rng.Float64()*3, rng.Float64()/2, rng.Float64())
		}
	}
	data := buf.Bytes()
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
