package main

import (
	"context"
	"flag"
	"fmt"
	"io"

	"github.com/thresher/thresher/estimators/dynthreshold"
	pb "github.com/thresher/thresher/proto/thresherv1"
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
--unbalanced. Every bootstrap replication draws from its own stream keyed by
(--seed, replication), so the output is identical across runs with the same
seed. --bootstrap full replaces xthenreg's fast bootstrap by one that
regenerates the data under the linear model (a wild bootstrap of its
residuals) and re-estimates every replication.

The job runs on an in-process cluster (--workers) unless --coordinator
names a remote one; the bootstrap replications are its tasks, and the output
is the same either way. The text report goes to stdout (or --output),
progress to stderr; --format json writes a stable JSON document with the GMM
objective over the grid.`

// xthenregModel holds the fields of a dynamic threshold model, from flags
// (`thresher xthenreg`) or from a sweep entry of kind dynthreshold: the
// kind's Config, which the job carries as it is.
type xthenregModel struct {
	dynthreshold.Config
}

// defaultXthenreg holds the defaults of every model field.
var defaultXthenreg = xthenregModel{dynthreshold.Config{ID: "id", Time: "year", Seed: 1,
	Grid: dynthreshold.DefaultGridNum, Trim: dynthreshold.DefaultTrim, H0: dynthreshold.DefaultH0, Bootstrap: dynthreshold.BootstrapFast}}

// register adds the model's options to fs, with their current values as
// defaults. A sweep entry's keys are these names with "_" for "-".
func (m *xthenregModel) register(fs *flag.FlagSet) {
	fs.StringVar(&m.ID, "id", m.ID, "column naming the unit (panel variable)")
	fs.StringVar(&m.Time, "time", m.Time, "column holding the integer period")
	fs.StringVar(&m.Depvar, "depvar", m.Depvar, "dependent variable (required); its lag is a regressor unless --static")
	fs.StringVar(&m.Qx, "qx", m.Qx, "threshold variable (required); a regressor only if listed in --indep")
	fs.Var((*listFlag)(&m.Indep), "indep", "regressors besides the lagged dependent variable, comma-separated; exogenous unless in --endo")
	fs.Var((*listFlag)(&m.Endo), "endo", "endogenous variables, instrumented by their levels at periods 1..t-2 (regressors or the threshold variable)")
	fs.Var((*listFlag)(&m.Exog), "exog", "strictly exogenous variables (not regressors) whose levels at 1..t are instruments")
	fs.Var((*listFlag)(&m.Inst), "inst", "extra instruments, each at its period-t value (write lags yourself, e.g. L2.w)")
	fs.Var(boolValue{&m.Static}, "static", "leave out the lagged dependent variable")
	fs.Var(boolValue{&m.Unbalanced}, "unbalanced", "allow units that lack periods: each unit has the equations whose variables it observes, unobserved instruments are 0 (xthenreg requires a strongly balanced panel)")
	fs.Var(boolValue{&m.Kink}, "kink", "fit the continuous kink model (one slope change in q) instead of the jump model")
	fs.Var(intValue{&m.Grid, 1, dynthreshold.MaxGridNum}, "grid", fmt.Sprintf("grid points, 1..%d, equally spaced between the quantiles trim/2 and 1-trim/2 of q (xthenreg grid_num)", dynthreshold.MaxGridNum))
	fs.Var(floatValue{&m.Trim, interval{lo: 0, hi: 1, open: true}}, "trim", "share of q's distribution left out of the grid, strictly between 0 and 1 (xthenreg trim_rate)")
	fs.Var(floatValue{&m.H0, interval{lo: 0, hi: 1e6, open: true}}, "h0", "bandwidth constant of the threshold's standard error, h = h0 1.06 n^(-1/5) sd(q) (xthenreg h_0)")
	fs.Var(intValue{&m.Boost, 0, dynthreshold.MaxBoost}, "boost", fmt.Sprintf("bootstrap replications of the linearity test, 0..%d; 0 skips the test (xthenreg boost)", dynthreshold.MaxBoost))
	fs.Var(choiceValue{&m.Bootstrap, parsesAs(dynthreshold.ParseBootstrap)}, "bootstrap",
		"linearity bootstrap: fast (xthenreg's multipliers on the moments, weights held fixed) or full (wild bootstrap of the linear model, every replication re-estimated; about as costly per replication as the whole test's setup)")
	fs.Var(seedValue{&m.Seed}, "seed", "seed of the bootstrap streams")
}

// specification checks the model and returns the job's specification of it.
func (m *xthenregModel) specification(label string) (*pb.Specification, error) {
	if _, err := m.Spec(); err != nil {
		return nil, fmt.Errorf("%w: %v", errUsage, err)
	}
	return &pb.Specification{Label: label, Kind: dynthreshold.KindName, Spec: m.Encode()}, nil
}

// xthenregConfig holds the flags of `thresher xthenreg`.
type xthenregConfig struct {
	model xthenregModel
	jobFlags
}

func (c *xthenregConfig) register(fs *flag.FlagSet) {
	c.model = defaultXthenreg
	c.jobFlags.register(fs, "CSV file with a header row (required)", "text or json", checkFormat)
	c.model.register(fs)
}

func runXthenreg(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var c xthenregConfig
	fs := newFlagSet("xthenreg", xthenregSynopsis, stderr)
	c.register(fs)
	if err := c.parseWithData(fs, args); err != nil {
		return err
	}
	spec, err := c.model.specification("")
	if err != nil {
		return err
	}
	if err := checkOutput(c.output, c.data); err != nil {
		return err
	}
	_, results, err := c.run(ctx, []*pb.Specification{spec}, newProgressLog(stderr))
	if err != nil {
		return err
	}
	report, err := renderResult(dynthreshold.Kind{}, c.format, results[0])
	if err != nil {
		return err
	}
	return writeOutput(ctx, c.output, stdout, report)
}
