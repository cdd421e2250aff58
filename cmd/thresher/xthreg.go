package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/thresher/thresher/cluster/client"
	"github.com/thresher/thresher/cluster/etcdserver"
	"github.com/thresher/thresher/cluster/identity"
	"github.com/thresher/thresher/cluster/jobspec"
	"github.com/thresher/thresher/cluster/security"
	"github.com/thresher/thresher/coordinator"
	"github.com/thresher/thresher/estimators/kinds"
	"github.com/thresher/thresher/estimators/panel"
	"github.com/thresher/thresher/estimators/threshold"
	"github.com/thresher/thresher/inprocess"
	"github.com/thresher/thresher/internal/outfile"
	pb "github.com/thresher/thresher/proto/thresherv1"
)

// modelConfig holds the fields of a threshold model, from flags
// (`thresher xthreg`) or from a sweep file (`thresher sweep`): the
// threshold kind's Config, which the job carries as it is; register parses
// both.
type modelConfig struct {
	threshold.Config
}

// defaultModel holds the defaults of every model field.
var defaultModel = modelConfig{threshold.DefaultConfig}

// Ranges of the model options.
var (
	trimRange = interval{lo: 0, hi: 0.5, open: true}
)

// register adds the model's options to fs, with their current values as
// defaults. A sweep file's keys are these names with "_" for "-".
func (m *modelConfig) register(fs *flag.FlagSet) {
	fs.StringVar(&m.ID, "id", m.ID, "column naming the unit (panel variable)")
	fs.StringVar(&m.Time, "time", m.Time, "column holding the integer period")
	fs.StringVar(&m.Depvar, "depvar", m.Depvar, "dependent variable (required)")
	fs.Var((*listFlag)(&m.Indep), "indep", "regime-independent regressors, comma-separated (xthreg indepvars)")
	fs.Var((*listFlag)(&m.Rx), "rx", "regime-dependent regressors, comma-separated (required)")
	fs.StringVar(&m.Qx, "qx", m.Qx, "threshold variable (required)")
	fs.Var(intValue{&m.Thnum, 1, threshold.MaxThresholds}, "thnum", fmt.Sprintf("number of thresholds K, 1..%d", threshold.MaxThresholds))
	fs.Var(choiceValue{&m.Grid, checkGrid}, "grid", fmt.Sprintf(`candidate grid: "all" (every distinct value inside the trim) or a number of points, 2..%d`, threshold.MaxGridPoints))
	fs.Var(floatsValue{&m.Trim, trimRange}, "trim", "trimming proportion per threshold, each strictly between 0 and 0.5, comma-separated; one value applies to all (default 0.01)")
	fs.Var(intsValue{&m.Bs, 0, threshold.MaxReps}, "bs", fmt.Sprintf("bootstrap replications per threshold, 0..%d each, comma-separated; one value applies to all; 0 skips a test (default 300)", threshold.MaxReps))
	fs.Var(levelValue{&m.Level}, "level", fmt.Sprintf("confidence level of the threshold intervals, in percent, %v..%v (as Stata's level), or as a fraction, %v..%v",
		threshold.MinLevelPercent, threshold.MaxLevelPercent, threshold.MinLevelPercent/100.0, threshold.MaxLevelPercent/100.0))
	fs.Var(seedValue{&m.Seed}, "seed", "seed of the bootstrap streams")
	fs.Var(choiceValue{&m.Convention, parsesAs(threshold.ParseConvention)}, "convention", "arithmetic to reproduce: xthreg (Stata) or hansen (Hansen's GAUSS code)")
	fs.Var(choiceValue{&m.Residuals, parsesAs(threshold.ParseResiduals)}, "residuals", "bootstrap residuals: null (Hansen's code) or alternative (paper text)")
	fs.Var(choiceValue{&m.Bootstrap, parsesAs(threshold.ParseBootstrap)}, "bootstrap", "auto (residual on balanced panels, wild on unbalanced ones and with --vce robust|cluster), residual, wild, wild-rademacher, wild-mammen or wild-webb")
	fs.Var(boolValue{&m.SaveDraws}, "save-draws", "keep every bootstrap statistic F* in the JSON result (for 'thresher plot')")
	fs.Var(floatsValue{&m.Thresholds, anyNumber}, "thresholds", "fix the thresholds instead of searching (xthreg thgiven), one per threshold, in the order the stages add them")
	fs.Var(choiceValue{&m.Algorithm, parsesAs(threshold.ParseAlgorithm)}, "algorithm", "kernel: fast (sorted sweep) or reference (one regression per candidate)")
	fs.Var(choiceValue{&m.FE, parsesAs(threshold.ParseFE)}, "fe", "fixed effects: unit (the default), or twoway (adds i.TIME, the period effects, to --indep)")
	fs.Var(choiceValue{&m.Missing, parsesAs(threshold.ParseMissing)}, "missing", "a missing value (., NA, NaN, empty) in a used column: drop its observation (the default; listwise, as Stata) or error")
	fs.Var(choiceValue{&m.VCE, parsesAs(threshold.ParseVCE)}, "vce", "inference: conventional (Hansen's tests and intervals, which assume homoskedastic errors), "+
		"robust or cluster (White or clustered standard errors, the test by the wild cluster bootstrap, LR intervals scaled by Hansen's (2000) eta^2)")
	fs.Var(boolValue{&m.BootstrapRefine}, "bootstrap-refine", "repeat the stage-2 refinement in every bootstrap replication, so that the tests of stages 3 and later "+
		"bootstrap the statistic they observe (needs --thnum 3 or more and no --thresholds)")
}

// parsesAs turns a parser of the threshold package into a check.
func parsesAs[T any](parse func(string) (T, error)) func(string) error {
	return func(s string) error { _, err := parse(s); return err }
}

// checkGrid checks a --grid value.
func checkGrid(s string) error {
	g, err := threshold.ParseGrid(s)
	if err == nil && g.Points > threshold.MaxGridPoints {
		err = fmt.Errorf("%d grid points exceed the limit of %d", g.Points, threshold.MaxGridPoints)
	}
	return err
}

// xthregConfig holds the flags of `thresher xthreg`.
type xthregConfig struct {
	modelConfig
	jobFlags
	predict string
	// testEqual selects the equal-slope tests the text report prints.
	testEqual listFlag
}

// localFlags configure the in-process cluster that runs a job when no
// coordinator is given.
type localFlags struct {
	workers      int
	backendBytes int64
	blobURL      string
}

func (l *localFlags) register(fs *flag.FlagSet) {
	fs.Var(intValue{&l.workers, 0, maxWorkers}, "workers", fmt.Sprintf("workers of the in-process cluster, 0..%d; 0 means one per CPU", maxWorkers))
	fs.Int64Var(&l.backendBytes, "etcd-backend-bytes", etcdserver.DefaultBackendBytes,
		"database quota of the in-process cluster's etcd, at least 16 MiB; it maps 10% more of the address space that ulimit -v bounds")
	fs.StringVar(&l.blobURL, "blob-url", "", "the in-process cluster's "+blobURLUsage+" (default: a temporary directory, removed at exit)")
}

// minBackendBytes is the smallest --etcd-backend-bytes: 16 MiB.
const minBackendBytes = 16 << 20

// remoteFlags say how to reach a cluster.
type remoteFlags struct {
	coordinator listFlag
	caFile      string
	serverName  string
	tokenFile   string
	// maxWork bounds the job's estimated work, on either path.
	maxWork     workFlag
	dialTimeout time.Duration
	// retention keeps the finished job on the cluster (0: the
	// coordinator's default).
	retention time.Duration
}

func (r *remoteFlags) register(fs *flag.FlagSet) {
	fs.Var(&r.coordinator, "coordinator", "submit to the cluster of these coordinators HOST:PORT[,...] instead of running in-process")
	r.registerConnection(fs)
	r.maxWork = jobspec.DefaultMaxWork
	fs.Var(&r.maxWork, "max-work", "refuse, before any work, a job whose estimated work exceeds this many units "+
		"(an observation or candidate threshold visited once; each bootstrap replication and point estimate visits them all)")
	fs.DurationVar(&r.retention, "retention", 0, "keep the finished job and its results on the cluster this long, e.g. 24h "+
		"(0: the coordinator's --retention; 'thresher jobs get ID' reads them back)")
}

// registerConnection adds the flags that secure the connection to the
// coordinators given in --coordinator.
func (r *remoteFlags) registerConnection(fs *flag.FlagSet) {
	fs.StringVar(&r.caFile, "tls-ca", "", "PEM CA bundle that signs the coordinators' certificates (TLS; required unless every coordinator is on loopback)")
	fs.StringVar(&r.serverName, "tls-server-name", "", "name to verify the coordinators' certificates under (default: the host dialled)")
	fs.StringVar(&r.tokenFile, "token-file", "", "file whose first token is the bearer token of the job API (lines name:token[:admin], or a token alone)")
	fs.DurationVar(&r.dialTimeout, "dial-timeout", 10*time.Second, "wait for a first connection to a coordinator at most this long; a TLS mismatch fails at once")
}

// explain adds to an error of a first connection the flag that fixes it,
// and makes a refusal of an option that the data refuse a usage error.
func (r *remoteFlags) explain(err error) error {
	switch {
	case errors.Is(err, jobspec.ErrOption):
		return fmt.Errorf("%w: %v", errUsage, err)
	case errors.Is(err, client.ErrUnknownAuthority):
		return fmt.Errorf("%w: pass the cluster's CA with --tls-ca", err)
	case errors.Is(err, client.ErrServerName):
		return fmt.Errorf("%w: set --tls-server-name to a name in its certificate ('thresher certs' uses thresher-coordinator)", err)
	case errors.Is(err, client.ErrNotTLS):
		return fmt.Errorf("%w: it runs with --insecure (loopback only): drop --tls-ca, or give the coordinator --tls-cert, --tls-key and --tls-ca", err)
	case errors.Is(err, client.ErrNoTLSAnswer):
		return fmt.Errorf("%w: is it plaintext (a coordinator with --insecure: drop --tls-ca), or not a coordinator (check --coordinator)?", err)
	case errors.Is(err, client.ErrNoPreface) && r.caFile == "":
		return fmt.Errorf("%w: a coordinator with TLS needs the cluster's CA in --tls-ca", err)
	case errors.Is(err, client.ErrUnauthenticated):
		return fmt.Errorf("%w: give the job API's token with --token-file", err)
	case errors.Is(err, client.ErrRole):
		return fmt.Errorf("%w: check --coordinator, which names a coordinator's address, not a worker's", err)
	case errors.Is(err, client.ErrDial):
		return fmt.Errorf("%w: check --coordinator, or raise --dial-timeout", err)
	}
	return err
}

// dialOptions returns the transport credentials and token of a remote
// cluster. Plaintext is only used when every coordinator is on loopback and
// no CA is given.
func (r *remoteFlags) dialOptions(ctx context.Context) ([]grpc.DialOption, error) {
	if r.dialTimeout <= 0 {
		return nil, fmt.Errorf("%w: --dial-timeout must be positive, not %v", errUsage, r.dialTimeout)
	}
	if r.retention < 0 {
		return nil, fmt.Errorf("%w: --retention must not be negative, not %v", errUsage, r.retention)
	}
	var opts []grpc.DialOption
	secure := r.caFile != ""
	if secure {
		creds, err := security.TLSFiles{CA: r.caFile}.Client(ctx, r.serverName, security.Peer{Role: identity.RoleCoordinator})
		if err != nil {
			return nil, err
		}
		opts = append(opts, grpc.WithTransportCredentials(creds))
	} else {
		for _, a := range r.coordinator {
			if !security.IsLoopback(a) {
				return nil, fmt.Errorf("%w: coordinator %s is not on loopback: give --tls-ca to connect with TLS", errUsage, a)
			}
		}
		opts = append(opts, grpc.WithTransportCredentials(insecure.NewCredentials()))
	}
	if r.tokenFile != "" {
		token, err := security.ReadToken(ctx, r.tokenFile)
		if err != nil {
			return nil, err
		}
		opts = append(opts, grpc.WithPerRPCCredentials(security.BearerToken{Token: token, Secure: secure}))
	}
	return opts, nil
}

const xthregSynopsis = `Estimates a Hansen (1999) fixed-effect panel threshold model and tests the
number of thresholds by bootstrap, with the options of Stata's xthreg:

  thresher xthreg --data F.csv --id firm --time year --depvar y \
      --indep 'x1,L.x2,L.q^2' --rx c --qx d --thnum 2 --bs 300

Variable lists accept Stata's time-series operators (L.x, L2.x, F.x, D.x,
LD.x), factor variables in --indep (i.year, ib2009.year: a dummy for every
level but the base), ln(), log(), exp(), sqrt(), abs(), powers (L.q^2),
products (L.q*L.d) and scaling by a number (L.q^2/100). --fe twoway adds
the period effects i.TIME. Observations with a missing value in a used
column are dropped and counted (--missing error refuses them). The text report goes
to stdout (or --output), progress to stderr; --format json writes a stable
JSON document that is byte-identical across runs with the same seed.`

func (c *xthregConfig) register(fs *flag.FlagSet) {
	c.modelConfig = defaultModel
	c.jobFlags.register(fs, "CSV file with a header row (required)", "text or json", checkFormat)
	c.modelConfig.register(fs)
	fs.StringVar(&c.predict, "predict", "", "write id, time, regime, fitted value, residual and fixed effect of every observation of the final regression to this CSV file")
	fs.Var(&c.testEqual, "test-equal", "regime-dependent regressors, comma-separated, whose Wald test of equal slopes across regimes the text report prints "+
		"(default all; the JSON always holds every one)")
}

// maxWorkers bounds the workers of an in-process cluster.
const maxWorkers = 1024

// checkFormat checks a --format value.
func checkFormat(s string) error {
	if s != "text" && s != "json" {
		return fmt.Errorf("want text or json")
	}
	return nil
}

// spec checks that the fields make a model specification: a mistake,
// including the counts of the per-stage lists and the required fields, is
// a usage error. The data are checked when the job is submitted.
func (m *modelConfig) spec() error {
	s, _, err := m.Config.Spec()
	if err == nil {
		err = s.Normalize()
	}
	if err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	return nil
}

// specification checks the model (spec) and returns the job's
// specification of it.
func (m *modelConfig) specification(label string) (*pb.Specification, error) {
	if err := m.spec(); err != nil {
		return nil, err
	}
	return &pb.Specification{Label: label, Kind: threshold.KindName, Spec: m.Encode()}, nil
}

func runXthreg(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var c xthregConfig
	fs := newFlagSet("xthreg", xthregSynopsis, stderr)
	c.register(fs)
	if err := c.parseWithData(fs, args); err != nil {
		return err
	}
	spec, err := c.specification("")
	if err != nil {
		return err
	}
	if err := checkOutput(c.output, c.data); err != nil {
		return err
	}
	if err := c.checkPredict(); err != nil {
		return err
	}
	for _, name := range c.testEqual {
		if !slices.Contains(c.Rx, name) {
			return fmt.Errorf("%w: --test-equal %s is not a regime-dependent regressor (--rx %s)", errUsage, name, strings.Join(c.Rx, ","))
		}
	}
	data, results, err := c.run(ctx, []*pb.Specification{spec}, newProgressLog(stderr))
	if err != nil {
		return err
	}
	if c.predict != "" {
		if err := c.writePredictions(ctx, data, results[0]); err != nil {
			return err
		}
	}
	if c.format == "json" {
		// The text report prints the warnings; the JSON holds them unseen.
		if err := warnJSON(stderr, results[0]); err != nil {
			return err
		}
	}
	report, err := c.render(results[0])
	if err != nil {
		return err
	}
	return writeOutput(ctx, c.output, stdout, report)
}

// render renders the result in --format, the text report with the
// equal-slope tests of --test-equal alone when it is given.
func (c *xthregConfig) render(result []byte) ([]byte, error) {
	if c.format != "text" || len(c.testEqual) == 0 {
		return renderResult(threshold.Kind{}, c.format, result)
	}
	res, err := threshold.DecodeResult(result)
	if err != nil {
		return nil, err
	}
	vce, err := threshold.ParseVCE(res.Model.VCE)
	if err != nil {
		return nil, err
	}
	last := &res.Stages[len(res.Stages)-1]
	last.EqualSlopes = slices.DeleteFunc(last.EqualSlopes, func(e threshold.EqualSlopesTest) bool { return !slices.Contains(c.testEqual, e.Regressor) })
	var b bytes.Buffer
	err = res.WriteText(&b, vce)
	return b.Bytes(), err
}

// checkPredict checks, before the job runs, the file of --predict: a file
// that is neither the data nor the report.
func (c *xthregConfig) checkPredict() error {
	switch {
	case c.predict == "":
		return nil
	case c.predict == "-":
		return fmt.Errorf("%w: --predict needs a file name; the report goes to stdout", errUsage)
	case c.output != "" && c.output != "-" && sameFile(c.predict, c.output):
		return fmt.Errorf("%w: --predict %s is the file of --output; name another file", errUsage, c.predict)
	}
	return checkOutputFlag("predict", c.predict, c.data)
}

// sameFile reports whether two paths name the same file, or the same name
// of a file not yet created.
func sameFile(a, b string) bool {
	fa, errA := os.Stat(a)
	fb, errB := os.Stat(b)
	if errA == nil && errB == nil {
		return os.SameFile(fa, fb)
	}
	return filepath.Clean(a) == filepath.Clean(b)
}

// writePredictions prepares the model on the data again, here in the
// client, and writes the predictions of the job's result to --predict.
func (c *xthregConfig) writePredictions(ctx context.Context, data *dataset, result []byte) error {
	spec, _, err := c.Config.Spec()
	if err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	in, err := data.open()
	if err != nil {
		return fmt.Errorf("predict: %w", err)
	}
	table, err := panel.ReadSchema(in, spec.Schema())
	in.Close()
	if err != nil {
		return fmt.Errorf("predict: %w", err)
	}
	p, err := threshold.Prepare(table, spec)
	if err != nil {
		return fmt.Errorf("predict: %w", err)
	}
	res, err := threshold.DecodeResult(result)
	if err != nil {
		return fmt.Errorf("predict: %w", err)
	}
	var b bytes.Buffer
	if err := p.WritePredictions(&b, res); err != nil {
		return fmt.Errorf("predict: %w", err)
	}
	if err := outfile.Write(ctx, c.predict, b.Bytes(), outfile.Perm); err != nil {
		return fmt.Errorf("write --predict: %w", err)
	}
	return nil
}

// abandonWait bounds the shutdown of an interrupted command's in-process
// cluster; a model's preparation does not check for cancellation.
const abandonWait = 300 * time.Millisecond

// runJob runs specifications on the remote cluster or, when no coordinator
// is given, on an in-process cluster, and returns one JSON result per
// specification.
func runJob(ctx context.Context, remote *remoteFlags, lf localFlags, data *dataset, specs []*pb.Specification, progress *progressLog) ([][]byte, error) {
	addrs := remote.coordinator
	opts, err := remote.dialOptions(ctx)
	if err != nil {
		return nil, err
	}
	work, err := jobspec.CheckWork(kinds.Builtin(), specs, data.rows, float64(remote.maxWork), "--max-work (THRESHER_MAX_WORK)")
	if err != nil {
		return nil, err
	}
	if len(addrs) == 0 {
		workers := lf.workers
		if workers <= 0 {
			workers = runtime.NumCPU()
		}
		if lf.backendBytes < minBackendBytes {
			return nil, fmt.Errorf("%w: --etcd-backend-bytes must be at least 16 MiB (%d), not %d", errUsage, minBackendBytes, lf.backendBytes)
		}
		// The client has checked the dataset's size against its own limit.
		limit := max(int(data.size), defaultMaxDatasetBytes)
		limitMemory(data.size)
		lc, err := inprocess.Start(ctx, inprocess.Options{Workers: workers, EtcdBackendBytes: lf.backendBytes, BlobURL: lf.blobURL,
			Coordinator: func(c *coordinator.Config) {
				c.MaxWork = float64(remote.maxWork)
				c.MaxDatasetBytes = limit
			}})
		if errors.Is(err, etcdserver.ErrAddressSpace) && lf.backendBytes <= minBackendBytes {
			return nil, fmt.Errorf("start the in-process cluster: %w: --etcd-backend-bytes is at its minimum (%d): raise ulimit -v", err, lf.backendBytes)
		} else if errors.Is(err, etcdserver.ErrAddressSpace) {
			return nil, fmt.Errorf("start the in-process cluster: %w: lower --etcd-backend-bytes (%d) or raise ulimit -v", err, lf.backendBytes)
		}
		if err != nil {
			return nil, fmt.Errorf("start the in-process cluster: %w", blobURLError(err))
		}
		defer func() {
			if ctx.Err() != nil {
				lc.Abandon(abandonWait)
			} else {
				lc.Close()
			}
		}()
		addrs = []string{lc.Addr()}
	}
	cl, err := client.New(addrs, opts...)
	if err != nil {
		return nil, err
	}
	defer cl.Close()
	cl.DialTimeout, cl.Retention = remote.dialTimeout, remote.retention
	// The estimate is stated once the job is submitted: a failure to
	// reach the cluster stays a one-line message.
	submitted := false
	results, err := cl.RunFrom(ctx, data.open, specs, func(ev *pb.JobEvent) {
		if !submitted {
			submitted = true
			fmt.Fprintf(progress.w, "thresher: estimated work %.3g units (limit %.3g, --max-work)\n", work, float64(remote.maxWork))
			if len(remote.coordinator) > 0 {
				fmt.Fprintf(progress.w, "thresher: job %s ('thresher jobs get %s' prints this result again)\n", ev.JobId, ev.JobId)
			}
		}
		progress.event(ev)
	})
	return results, remote.explain(err)
}

// progressLog prints the job's messages (e.g. that it waits for workers)
// and a line of bootstrap progress when a stage starts and whenever it
// passes another tenth of its replications. A job of more than listedSpecs
// models gets one total instead of a line that names every model's stages
// (a sweep of a thousand models printed 5 MB).
type progressLog struct {
	w       io.Writer
	message string
	tenths  map[int32]int64
	started map[int32]bool
	// replications, when set, counts a Monte Carlo study's replications:
	// its progress is shown in them, with their rate and the time left.
	replications int
	start        time.Time
}

const listedSpecs = 16

func newProgressLog(w io.Writer) *progressLog {
	return &progressLog{w: w, tenths: map[int32]int64{}, started: map[int32]bool{}, start: time.Now()}
}

func (p *progressLog) event(ev *pb.JobEvent) {
	if ev.Message != p.message && ev.State == pb.JobState_JOB_STATE_RUNNING {
		p.message = ev.Message
		fmt.Fprintf(p.w, "thresher: %s\n", ev.Message)
	}
	advanced := false
	var parts []string
	specs := map[int32]bool{}
	for _, st := range ev.Progress {
		specs[st.Spec] = true
	}
	if len(specs) > listedSpecs {
		p.total(ev, len(specs))
		return
	}
	for _, st := range ev.Progress {
		if st.Stage == 0 || st.Total == 0 {
			continue
		}
		key := st.Spec<<8 | st.Stage
		if t := 10 * st.Done / st.Total; t > p.tenths[key] || !p.started[key] {
			p.tenths[key], p.started[key], advanced = t, true, true
		}
		name := st.Phase
		switch {
		case st.Phase == "bootstrap":
			name = strings.ToLower(threshold.StageName(int(st.Stage)))
		case p.replications > 0:
			parts = append(parts, p.studyProgress(st))
			continue
		}
		if len(specs) > 1 {
			name = fmt.Sprintf("#%d %s", st.Spec+1, name)
		}
		parts = append(parts, fmt.Sprintf("%s %d/%d", name, st.Done, st.Total))
	}
	switch {
	case advanced && p.replications > 0:
		fmt.Fprintf(p.w, "thresher: %s\n", strings.Join(parts, ", "))
	case advanced:
		fmt.Fprintf(p.w, "thresher: bootstrap %s\n", strings.Join(parts, ", "))
	}
}

// total prints the bootstrap replications of every model together,
// whenever their share done passes into another tenth (the total grows as
// more models start).
func (p *progressLog) total(ev *pb.JobEvent, models int) {
	var done, total int64
	for _, st := range ev.Progress {
		if st.Stage != 0 {
			done, total = done+st.Done, total+st.Total
		}
	}
	const key = -1
	if t := 10 * done / max(total, 1); total > 0 && (t != p.tenths[key] || !p.started[key]) {
		p.tenths[key], p.started[key] = t, true
		fmt.Fprintf(p.w, "thresher: bootstrap %d/%d replications of the %d models started\n", done, total, models)
	}
}

// studyProgress describes a study's progress in replications (its records'
// values in proportion), their rate since the start and the time left at
// that rate.
func (p *progressLog) studyProgress(st *pb.StageProgress) string {
	done := int(int64(p.replications) * st.Done / st.Total)
	elapsed := time.Since(p.start).Seconds()
	text := fmt.Sprintf("replications %d/%d", done, p.replications)
	if done > 0 && elapsed > 0 {
		rate := float64(done) / elapsed
		left := time.Duration(float64(p.replications-done) / rate * float64(time.Second)).Round(time.Second)
		text += fmt.Sprintf(", %.3g/s, %s left", rate, left)
	}
	return text
}

// warnJSON prints a JSON result's notes and warnings to stderr, and the
// heteroskedasticity diagnostic when it advises robust inference.
func warnJSON(stderr io.Writer, result []byte) error {
	var r struct {
		Warnings           []string                          `json:"warnings"`
		Notes              []string                          `json:"notes"`
		Heteroskedasticity *threshold.HeteroskedasticityTest `json:"heteroskedasticity"`
	}
	if err := json.Unmarshal(result, &r); err != nil {
		return fmt.Errorf("reading the result: %w", err)
	}
	for _, s := range r.Notes {
		fmt.Fprintf(stderr, "thresher: note: %s\n", s)
	}
	for _, s := range r.Warnings {
		fmt.Fprintf(stderr, "thresher: warning: %s\n", s)
	}
	if h := r.Heteroskedasticity; h != nil && h.Rejects() {
		fmt.Fprintf(stderr, "thresher: warning: %s\n", h.Line())
	}
	return nil
}
