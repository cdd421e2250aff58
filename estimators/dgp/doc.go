// Package dgp draws the simulated panels of Monte Carlo studies: the
// data-generating designs of a study spec (see docs/montecarlo.md, "Designs",
// for every field and formula).
package dgp
