package panel

import "slices"

// Overlaps reports whether u reads a column at the period that t reads it
// at, so that u contains t's value at the same period: for t = y, the
// terms y, 2*y, y^2, y/100 and y*x overlap it, while its lag L.y, a
// different period, does not. For a term reading a column at several
// periods, such as D.y = y - L.y, its period is the latest one it reads
// (y): D.y overlaps y and ln(y), not L.y. A model that explains t with
// such a term fits it by construction or puts it on both sides.
func (t Term) Overlaps(u Term) bool {
	latest := map[string]int{} // column -> smallest lag t reads it at
	for _, r := range t.Refs() {
		if lag, ok := latest[r.Column]; !ok || r.Lag < lag {
			latest[r.Column] = r.Lag
		}
	}
	return slices.ContainsFunc(u.Refs(), func(r Ref) bool {
		lag, ok := latest[r.Column]
		return ok && lag == r.Lag
	})
}
