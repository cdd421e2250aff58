package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/thresher/thresher/cluster/client"
	"github.com/thresher/thresher/cluster/security"
	"github.com/thresher/thresher/estimators/panel"
	"github.com/thresher/thresher/estimators/threshold"
	"github.com/thresher/thresher/inprocess"
	pb "github.com/thresher/thresher/proto/thresherv1"
)

// modelConfig holds the fields of a threshold model, from flags
// (`thresher xthreg`) or from a sweep file (`thresher sweep`): the
// threshold kind's Config, which the job carries as it is.
type modelConfig struct {
	threshold.Config `yaml:",inline"`
}

// defaultModel holds the defaults of every model field.
var defaultModel = modelConfig{threshold.DefaultConfig}

// xthregConfig holds the flags of `thresher xthreg`.
type xthregConfig struct {
	modelConfig
	data    string
	vce     string
	format  string
	output  string
	workers int
	remote  remoteFlags
}

// remoteFlags say how to reach a cluster.
type remoteFlags struct {
	coordinator listFlag
	caFile      string
	serverName  string
	tokenFile   string
}

func (r *remoteFlags) register(fs *flag.FlagSet) {
	fs.Var(&r.coordinator, "coordinator", "submit to the cluster of these coordinators HOST:PORT[,...] instead of running in-process")
	fs.StringVar(&r.caFile, "tls-ca", "", "PEM CA bundle that signs the coordinators' certificates (TLS; required unless every coordinator is on loopback)")
	fs.StringVar(&r.serverName, "tls-server-name", "", "name to verify the coordinators' certificates under (default: the host dialled)")
	fs.StringVar(&r.tokenFile, "token-file", "", "file whose first line is the bearer token of the job API")
}

// dialOptions returns the transport credentials and token of a remote
// cluster. Plaintext is only used when every coordinator is on loopback and
// no CA is given.
func (r *remoteFlags) dialOptions() ([]grpc.DialOption, error) {
	var opts []grpc.DialOption
	secure := r.caFile != ""
	if secure {
		creds, err := security.TLSFiles{CA: r.caFile}.Client(r.serverName)
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
		token, err := security.ReadToken(r.tokenFile)
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

Variable lists accept Stata's lag operators (L.x, L2.x), powers (L.q^2),
products (L.q*L.d) and scaling by a number (L.q^2/100). The text report goes
to stdout (or --output), progress to stderr; --format json writes a stable
JSON document that is byte-identical across runs with the same seed.`

func (c *xthregConfig) register(fs *flag.FlagSet) {
	d := defaultModel
	fs.StringVar(&c.data, "data", "", "CSV file with a header row (required)")
	fs.StringVar(&c.ID, "id", d.ID, "column naming the unit (panel variable)")
	fs.StringVar(&c.Time, "time", d.Time, "column holding the integer period")
	fs.StringVar(&c.Depvar, "depvar", "", "dependent variable (required)")
	fs.Var((*listFlag)(&c.Indep), "indep", "regime-independent regressors, comma-separated (xthreg indepvars)")
	fs.Var((*listFlag)(&c.Rx), "rx", "regime-dependent regressors, comma-separated (required)")
	fs.StringVar(&c.Qx, "qx", "", "threshold variable (required)")
	fs.IntVar(&c.Thnum, "thnum", d.Thnum, "number of thresholds K >= 1")
	fs.StringVar(&c.Grid, "grid", d.Grid, `candidate grid: "all" (every distinct value inside the trim) or a number of points`)
	fs.Var((*floatsFlag)(&c.Trim), "trim", "trimming proportion per threshold, comma-separated (default 0.01 each)")
	fs.Var((*intsFlag)(&c.Bs), "bs", "bootstrap replications per threshold, comma-separated; 0 skips a test (default 300 each)")
	fs.Float64Var(&c.Level, "level", d.Level, "confidence level of the threshold intervals, in percent")
	fs.Uint64Var(&c.Seed, "seed", d.Seed, "seed of the bootstrap streams")
	fs.StringVar(&c.Convention, "convention", d.Convention, "arithmetic to reproduce: xthreg (Stata) or hansen (Hansen's GAUSS code)")
	fs.StringVar(&c.Residuals, "residuals", d.Residuals, "bootstrap residuals: null (Hansen's code) or alternative (paper text)")
	fs.StringVar(&c.Bootstrap, "bootstrap", d.Bootstrap, "auto (residual on balanced panels, wild on unbalanced), residual, wild, wild-rademacher, wild-mammen or wild-webb")
	fs.BoolVar(&c.SaveDraws, "save-draws", false, "keep every bootstrap statistic F* in the JSON result (for 'thresher plot')")
	fs.Var((*floatsFlag)(&c.Thresholds), "thresholds", "fix the thresholds instead of searching (xthreg thgiven), in the order the stages add them")
	fs.StringVar(&c.Algorithm, "algorithm", d.Algorithm, "kernel: fast (sorted sweep) or reference (one regression per candidate)")
	fs.StringVar(&c.vce, "vce", "conventional", "standard errors shown in the text report: conventional, robust or cluster")
	fs.StringVar(&c.format, "format", "text", "output format: text or json")
	fs.StringVar(&c.output, "output", "", "write the report to this file instead of stdout")
	fs.IntVar(&c.workers, "workers", 0, "workers of the in-process cluster (default: number of CPUs)")
	c.remote.register(fs)
}

// spec checks that the fields make a model specification: a mistake is a
// usage error. The data are checked when the job is submitted.
func (m *modelConfig) spec() error {
	if _, _, err := m.Config.Spec(); err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	return nil
}

// specification returns the job's specification of the model.
func (m *modelConfig) specification(label string) *pb.Specification {
	return &pb.Specification{Label: label, Kind: threshold.KindName, Spec: m.Encode()}
}

func runXthreg(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var c xthregConfig
	fs := newFlagSet("xthreg", xthregSynopsis, stderr)
	c.register(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if c.data == "" {
		return fmt.Errorf("%w: --data is required", errUsage)
	}
	if err := c.spec(); err != nil {
		return err
	}
	vce, err := threshold.ParseVCE(c.vce)
	if err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	if c.format != "text" && c.format != "json" {
		return fmt.Errorf("%w: --format must be text or json, not %q", errUsage, c.format)
	}
	data, err := readData(c.data)
	if err != nil {
		return err
	}
	results, err := runJob(ctx, &c.remote, c.workers, data, []*pb.Specification{c.specification("")}, newProgressLog(stderr))
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if c.format == "json" {
		err = json.Indent(&buf, results[0], "", "  ")
		buf.WriteByte('\n')
	} else {
		err = threshold.Kind{VCE: vce}.WriteText(&buf, results[0])
	}
	if err != nil {
		return err
	}
	return writeOutput(c.output, stdout, buf.Bytes())
}

// readData reads a CSV dataset and checks it locally first, so that
// file-level errors name the file as they would without a cluster.
func readData(path string) ([]byte, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("open data: %w", err)
	}
	if _, err := panel.ReadCSV(bytes.NewReader(data)); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return data, nil
}

// runJob runs specifications on the remote cluster or, when no coordinator
// is given, on an in-process cluster of `workers` workers, and returns one
// JSON result per specification.
func runJob(ctx context.Context, remote *remoteFlags, workers int, data []byte, specs []*pb.Specification, progress *progressLog) ([][]byte, error) {
	addrs := remote.coordinator
	opts, err := remote.dialOptions()
	if err != nil {
		return nil, err
	}
	if len(addrs) == 0 {
		if workers <= 0 {
			workers = runtime.NumCPU()
		}
		lc, err := inprocess.Start(ctx, inprocess.Options{Workers: workers})
		if err != nil {
			return nil, fmt.Errorf("start the in-process cluster: %w", err)
		}
		defer lc.Close()
		addrs = []string{lc.Addr()}
	}
	cl, err := client.New(addrs, opts...)
	if err != nil {
		return nil, err
	}
	defer cl.Close()
	return cl.Run(ctx, data, specs, progress.event)
}

// progressLog prints the job's messages (e.g. that it waits for workers)
// and a line of bootstrap progress whenever a stage passes another tenth of
// its replications.
type progressLog struct {
	w       io.Writer
	message string
	tenths  map[int32]int64
}

func newProgressLog(w io.Writer) *progressLog {
	return &progressLog{w: w, tenths: map[int32]int64{}}
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
	for _, st := range ev.Progress {
		if st.Stage == 0 || st.Total == 0 {
			continue
		}
		key := st.Spec<<8 | st.Stage
		if t := 10 * st.Done / st.Total; t > p.tenths[key] {
			p.tenths[key], advanced = t, true
		}
		name := st.Phase
		if st.Phase == "bootstrap" {
			name = strings.ToLower(threshold.StageName(int(st.Stage)))
		}
		if len(specs) > 1 {
			name = fmt.Sprintf("#%d %s", st.Spec+1, name)
		}
		parts = append(parts, fmt.Sprintf("%s %d/%d", name, st.Done, st.Total))
	}
	if advanced {
		fmt.Fprintf(p.w, "thresher: bootstrap %s\n", strings.Join(parts, ", "))
	}
}
