// Package simulate generates synthetic panel data sets with known effects,
// for benchmarks, tests and worked examples where real data are not public.
// Every generator is deterministic given its seed and documents its
// data-generating process.
package simulate
