package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"

	"github.com/thresher/thresher/estimators/dynthreshold"
	"github.com/thresher/thresher/estimators/panel"
)

const xthenregSynopsis = `Estimates the dynamic panel threshold model with endogeneity of Seo and
Shin (2016) by first-difference GMM, with the options of Stata's xthenreg,
and tests linearity by a multiplier bootstrap of the sup-Wald statistic:

  thresher xthenreg --data F.csv --id firm --time year --depvar y \
      --qx q --indep x1,x2 --endo q,x2 --boost 1000 --seed 1

The lagged dependent variable is a regressor unless --static. Regressors of
--indep are exogenous unless also listed in --endo; endogenous variables are
instrumented by their levels at 1..t-2 (list the threshold variable in --endo
when it is endogenous). The panel must be strongly balanced unless
--unbalanced. Every bootstrap
replication draws from its own stream keyed by (--seed, replication), so the
output is identical across runs with the same seed.

This command runs in this process; it does not use a cluster yet (no
--coordinator). The text report goes to stdout (or --output); --format json
writes a stable JSON document with the GMM objective over the grid.`

// xthenregConfig holds the flags of `thresher xthenreg`.
type xthenregConfig struct {
	data, id, time, depvar, qx string
	indep, endo, exog, inst    listFlag
	static, kink, unbalanced   bool
	grid                       int
	trim, h0                   float64
	boost                      int
	seed                       uint64
	format, output             string
}

func (c *xthenregConfig) register(fs *flag.FlagSet) {
	c.id, c.time, c.format, c.seed = "id", "year", "text", 1
	c.grid, c.trim, c.h0 = dynthreshold.DefaultGridNum, dynthreshold.DefaultTrim, dynthreshold.DefaultH0
	fs.StringVar(&c.data, "data", "", "CSV file with a header row (required)")
	fs.StringVar(&c.id, "id", c.id, "column naming the unit (panel variable)")
	fs.StringVar(&c.time, "time", c.time, "column holding the integer period")
	fs.StringVar(&c.depvar, "depvar", "", "dependent variable (required); its lag is a regressor unless --static")
	fs.StringVar(&c.qx, "qx", "", "threshold variable (required); a regressor only if listed in --indep")
	fs.Var(&c.indep, "indep", "regressors besides the lagged dependent variable, comma-separated; exogenous unless in --endo")
	fs.Var(&c.endo, "endo", "endogenous variables, instrumented by their levels at periods 1..t-2 (regressors or the threshold variable)")
	fs.Var(&c.exog, "exog", "strictly exogenous variables (not regressors) whose levels at 1..t are instruments")
	fs.Var(&c.inst, "inst", "extra instruments, each at its period-t value (write lags yourself, e.g. L2.w)")
	fs.Var(boolValue{&c.static}, "static", "leave out the lagged dependent variable")
	fs.Var(boolValue{&c.unbalanced}, "unbalanced", "allow units that lack periods: each unit has the equations whose variables it observes, unobserved instruments are 0 (xthenreg requires a strongly balanced panel)")
	fs.Var(boolValue{&c.kink}, "kink", "fit the continuous kink model (one slope change in q) instead of the jump model")
	fs.Var(intValue{&c.grid, 1, dynthreshold.MaxGridNum}, "grid", fmt.Sprintf("grid points, 1..%d, equally spaced between the quantiles trim/2 and 1-trim/2 of q (xthenreg grid_num)", dynthreshold.MaxGridNum))
	fs.Var(floatValue{&c.trim, interval{lo: 0, hi: 1, open: true}}, "trim", "share of q's distribution left out of the grid, strictly between 0 and 1 (xthenreg trim_rate)")
	fs.Var(floatValue{&c.h0, interval{lo: 0, hi: 1e6, open: true}}, "h0", "bandwidth constant of the threshold's standard error, h = h0 1.06 n^(-1/5) sd(q) (xthenreg h_0)")
	fs.Var(intValue{&c.boost, 0, dynthreshold.MaxBoost}, "boost", fmt.Sprintf("bootstrap replications of the linearity test, 0..%d; 0 skips the test (xthenreg boost)", dynthreshold.MaxBoost))
	fs.Var(seedValue{&c.seed}, "seed", "seed of the bootstrap streams")
	fs.Var(choiceValue{&c.format, checkFormat}, "format", "output format: text or json")
	fs.StringVar(&c.output, "output", "", "write the report to this file instead of stdout")
}

func (c *xthenregConfig) spec() (dynthreshold.Spec, error) {
	s := dynthreshold.Spec{ID: c.id, Time: c.time, Depvar: c.depvar, Qx: c.qx,
		Indep: c.indep, Endo: c.endo, Exog: c.exog, Inst: c.inst, Static: c.static, Kink: c.kink, Unbalanced: c.unbalanced,
		GridNum: c.grid, Trim: c.trim, H0: c.h0, Boost: c.boost, Seed: c.seed}
	check := s
	if err := check.Normalize(); err != nil {
		return s, fmt.Errorf("%w: %v", errUsage, err)
	}
	return s, nil
}

func runXthenreg(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var c xthenregConfig
	fs := newFlagSet("xthenreg", xthenregSynopsis, stderr)
	c.register(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if c.data == "" {
		return fmt.Errorf("%w: --data is required", errUsage)
	}
	spec, err := c.spec()
	if err != nil {
		return err
	}
	if err := checkOutput(c.output); err != nil {
		return err
	}
	tab, err := panel.ReadCSVFile(c.data)
	if err != nil {
		return fmt.Errorf("%s: %w", c.data, err)
	}
	pr, err := dynthreshold.Prepare(tab, spec)
	if err != nil {
		return fmt.Errorf("%s: %w", c.data, err)
	}
	res, err := pr.Estimate(ctx)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if c.format == "json" {
		raw, err := json.MarshalIndent(res, "", "  ")
		if err != nil {
			return err
		}
		buf.Write(append(raw, '\n'))
	} else if err := res.WriteText(&buf); err != nil {
		return err
	}
	return writeOutput(ctx, c.output, stdout, buf.Bytes())
}
