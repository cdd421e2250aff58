package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"time"

	"github.com/thresher/thresher/estimators/dynthreshold"
	"github.com/thresher/thresher/estimators/panel"
)

// xthenregScenario is the bench scenario of the dynamic model.
const xthenregScenario = "xthenreg-hansen"

// xthenregBenchReps is the scenario's number of replications; the reference
// path runs the first xthenregReferenceReps of them unless --reference-reps
// says otherwise.
const (
	xthenregBenchReps     = 1000
	xthenregReferenceReps = 20
	// xthenregFullReps replications of the full bootstrap (each about as
	// costly as the setup) run on both of its paths.
	xthenregFullReps = 2
)

// xthenregBenchReport is the measurement of the xthenreg-hansen scenario.
type xthenregBenchReport struct {
	Scenario    string         `json:"scenario"`
	Machine     map[string]any `json:"machine"`
	Units       int            `json:"units"`
	Grid        int            `json:"grid"`
	Instruments int            `json:"instruments"`
	Reps        int            `json:"reps"`
	// EstimateSeconds is the two-step estimate; SetupSeconds the sup-Wald
	// statistic over the grid with what the replications hold fixed.
	EstimateSeconds float64 `json:"estimate_seconds"`
	SetupSeconds    float64 `json:"setup_seconds"`
	// FastSeconds is the fast path's Reps replications; TotalSeconds the
	// whole test with the estimate.
	FastSeconds  float64 `json:"fast_seconds"`
	TotalSeconds float64 `json:"total_seconds"`
	FastPerRepMS float64 `json:"fast_ms_per_rep"`
	// The reference path runs ReferenceReps replications.
	ReferenceReps         int     `json:"reference_reps"`
	ReferencePerRepMS     float64 `json:"reference_ms_per_rep"`
	ReferenceExtrapolated float64 `json:"reference_extrapolated_seconds"`
	// Ratio is the reference's time per replication over the fast path's.
	Ratio      float64 `json:"ratio_per_rep"`
	MaxRelDiff float64 `json:"max_bootstrap_rel_diff"`
	Agree      bool    `json:"agree"`
	// The full bootstrap (--bootstrap full): FullReps replications on its
	// fast path and on its reference path, their times per replication
	// and largest relative difference.
	FullReps        int     `json:"full_reps"`
	FullPerRepMS    float64 `json:"full_ms_per_rep"`
	FullRefPerRepMS float64 `json:"full_reference_ms_per_rep"`
	FullMaxRelDiff  float64 `json:"full_max_rel_diff"`
	PeakRSSMB       float64 `json:"peak_rss_mb,omitempty"`
	LinearityPValue float64 `json:"p_value"`
}

// runBenchXthenreg times the linearity test of the README's dynamic model on
// Hansen's data: B = 1,000 replications on the fast path, the first refReps
// (scenarioReps: 20; -1: all) on the reference path, compared one by one.
func runBenchXthenreg(ctx context.Context, data string, refReps int, stdout, stderr io.Writer) error {
	switch refReps {
	case scenarioReps:
		refReps = xthenregReferenceReps
	case -1:
		refReps = xthenregBenchReps
	}
	refReps = min(refReps, xthenregBenchReps)
	tab, err := panel.ReadCSVFile(data)
	if err != nil {
		return err
	}
	spec := dynthreshold.Spec{ID: "id", Time: "year", Depvar: "i", Qx: "d", Indep: []string{"q", "c", "d"}, Endo: []string{"d"}}
	start := time.Now()
	pr, err := dynthreshold.Prepare(tab, spec)
	if err != nil {
		return err
	}
	res, err := pr.Estimate(ctx)
	if err != nil {
		return err
	}
	rep := xthenregBenchReport{Scenario: xthenregScenario, Machine: machine(), Units: res.Units, Grid: len(res.Grid),
		Instruments: res.Instruments, Reps: xthenregBenchReps, EstimateSeconds: time.Since(start).Seconds()}
	fmt.Fprintf(stderr, "bench %s: estimate %.3f s; sup-Wald setup...\n", xthenregScenario, rep.EstimateSeconds)
	t0 := time.Now()
	setup, err := pr.LinearitySetup(ctx)
	if err != nil {
		return err
	}
	rep.SetupSeconds = time.Since(t0).Seconds()
	t0 = time.Now()
	lin, err := setup.Test(ctx, xthenregBenchReps, 1, dynthreshold.Fast)
	if err != nil {
		return err
	}
	rep.FastSeconds = time.Since(t0).Seconds()
	rep.TotalSeconds = time.Since(start).Seconds()
	rep.FastPerRepMS = 1000 * rep.FastSeconds / xthenregBenchReps
	rep.LinearityPValue = lin.PValue
	fmt.Fprintf(stderr, "bench %s: setup %.3f s, fast %.3f s; reference path, %d replications...\n",
		xthenregScenario, rep.SetupSeconds, rep.FastSeconds, refReps)
	rep.ReferenceReps = refReps
	t0 = time.Now()
	ref := setup.Replicate(dynthreshold.Reference, 1, 0, refReps)
	if refReps > 0 {
		rep.ReferencePerRepMS = 1000 * time.Since(t0).Seconds() / float64(refReps)
		rep.ReferenceExtrapolated = rep.ReferencePerRepMS * xthenregBenchReps / 1000
		rep.Ratio = rep.ReferencePerRepMS / rep.FastPerRepMS
	}
	fast := setup.Replicate(dynthreshold.Fast, 1, 0, refReps)
	for b := range ref {
		rep.MaxRelDiff = math.Max(rep.MaxRelDiff, relDiffScaled(ref[b], fast[b]))
	}
	fmt.Fprintf(stderr, "bench %s: full bootstrap, %d replications on both paths...\n", xthenregScenario, xthenregFullReps)
	t0 = time.Now()
	wild, err := pr.WildBootstrap(ctx)
	if err != nil {
		return err
	}
	fullFast, err := wild.Replicate(ctx, dynthreshold.Fast, 1, 0, xthenregFullReps)
	if err != nil {
		return err
	}
	rep.FullReps = xthenregFullReps
	rep.FullPerRepMS = 1000 * time.Since(t0).Seconds() / xthenregFullReps
	t0 = time.Now()
	fullRef, err := wild.Replicate(ctx, dynthreshold.Reference, 1, 0, xthenregFullReps)
	if err != nil {
		return err
	}
	rep.FullRefPerRepMS = 1000 * time.Since(t0).Seconds() / xthenregFullReps
	for b := range fullRef {
		rep.FullMaxRelDiff = math.Max(rep.FullMaxRelDiff, relDiffScaled(fullRef[b], fullFast[b]))
	}
	rep.Agree = rep.MaxRelDiff <= 1e-9 && rep.FullMaxRelDiff <= 1e-9
	rep.PeakRSSMB = peakRSSMB()
	out, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return err
	}
	_, err = stdout.Write(append(out, '\n'))
	return err
}
