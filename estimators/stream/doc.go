// Package stream provides the random numbers of bootstrap replications.
//
// Every replication owns an independent stream, keyed by (seed, purpose,
// stage, replication). The key is hashed with SHA-256 into the 32-byte seed
// of a ChaCha8 generator (math/rand/v2), so replication r of stage k draws
// the same numbers whichever goroutine, batch, task or worker computes it,
// and in whatever order. Bounded integers use Lemire's unbiased
// multiply-and-reject method on top of the generator's 64-bit outputs, written
// out here so that the mapping from key to draws is pinned by this package
// (see the golden test) and not by a library's choice of algorithm; normal
// numbers use the Box-Muller transform, written out for the same reason.
package stream
