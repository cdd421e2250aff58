package panel

import "slices"

// Overlaps reports whether u reads a column at a lag that t also reads, so
// that u contains t's value at the same period: for t = y, the terms y, 2*y,
// y^2, y/100 and y*x overlap it, while its lag L.y, a different period, does
// not. A model that explains t with such a term fits it by construction.
func (t Term) Overlaps(u Term) bool {
	refs := t.Refs()
	return slices.ContainsFunc(u.Refs(), func(r Ref) bool { return slices.Contains(refs, r) })
}
