// Package shortlist formats lists of user items (columns, units, labels,
// values) for error messages, bounded in length whatever the input: the
// first items, then how many more there are.
//
//	Quote([]string{"a", "b", ..., "z"}) == `"a", "b", "c", "d", "e", "f", "g", "h", ... and 18 more`
package shortlist
