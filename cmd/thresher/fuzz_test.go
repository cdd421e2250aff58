package main

import "testing"

// FuzzSweepFile parses arbitrary sweep files: errors are fine, panics are
// not, and every parsed entry either converts to a model or says why not.
func FuzzSweepFile(f *testing.F) {
	f.Add([]byte(sweepYAML))
	f.Add([]byte("specs:\n  - {qx: d, thnum: 2, trim: [0.1, 0.2], grid: all}\n"))
	f.Add([]byte(`{"data": "x.csv", "defaults": {"depvar": "y", "rx": ["c"]}, "specs": [{"qx": "q"}]}`))
	f.Add([]byte("defaults: &d {depvar: y}\nspecs: [*d, {<<: *d, qx: q}]\n"))
	f.Add([]byte("defaults: {depvar: D.y, indep: [i.year, ln(z)], fe: unit, missing: error}\nspecs: [{qx: F.q, rx: L2D.x, fe: twoway}]\n"))
	f.Add([]byte("defaults: {kind: dynthreshold, depvar: i}\nspecs: [{qx: d, endo: [d], boost: 10}, {kind: threshold, qx: d}]\n"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		_, entries, err := parseSweep(raw)
		if err != nil {
			return
		}
		for _, e := range entries {
			e.Model.specification(e.Label)
		}
	})
}
