package main

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/thresher/thresher/cluster/client"
	"github.com/thresher/thresher/estimators/kinds"
	"github.com/thresher/thresher/estimators/model"
	"github.com/thresher/thresher/estimators/montecarlo"
	"github.com/thresher/thresher/estimators/threshold"
	pb "github.com/thresher/thresher/proto/thresherv1"
)

const jobsSynopsis = `Lists, reads, follows, cancels and deletes the jobs of a cluster:

  thresher jobs list   [flags]       the jobs your token may see, newest first
  thresher jobs get    [flags] ID    print a finished job's result again
  thresher jobs wait   [flags] ID    follow a job to its end, then print as get
  thresher jobs cancel [flags] ID    stop a job
  thresher jobs delete [flags] ID    delete a finished job, its results and
                                     (when no other job uses it) its dataset

'get' prints exactly what the command that submitted the job printed
(xthreg, xthenreg, montecarlo or sweep; --format as that command's): one
specification without a label as xthreg/xthenreg/montecarlo, several as sweep (a
paper job's results too: paper itself writes files, not stdout). A job
stays on the cluster until deleted or until its retention ends (the
coordinator's --retention, or the submitting command's --retention).
With tokens, a job belongs to the name of the token that submitted it
(token file lines name:token); only that name, or a token marked admin
(name:token:admin), may read, cancel or delete it.`

// jobsCommand is one subcommand of 'thresher jobs'.
type jobsCommand struct {
	name string
	id   bool // takes a job id
	run  func(ctx context.Context, cl *client.Client, o *jobsOptions, id string, stdout, stderr io.Writer) error
}

var jobsCommands = []jobsCommand{
	{"list", false, jobsList},
	{"get", true, jobsGet},
	{"wait", true, jobsWait},
	{"cancel", true, jobsCancel},
	{"delete", true, jobsDelete},
}

// jobsOptions are the flags of 'thresher jobs'.
type jobsOptions struct {
	remote remoteFlags
	format string
	output string
}

// defaultCoordinator is the address a coordinator listens on by default.
const defaultCoordinator = "127.0.0.1:7070"

func runJobs(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var o jobsOptions
	fs := newFlagSet("jobs", jobsSynopsis, stderr)
	o.remote.coordinator = listFlag{defaultCoordinator}
	fs.Var(&o.remote.coordinator, "coordinator", "the cluster's coordinators HOST:PORT[,...]")
	o.remote.registerConnection(fs)
	o.format = "text"
	fs.Var(choiceValue{&o.format, checkFormat}, "format", "output format: text or json")
	fs.StringVar(&o.output, "output", "", "get, wait: write the result to this file instead of stdout")
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		if err := parseFlags(fs, args); err != nil {
			return err
		}
		return fmt.Errorf("%w: name a subcommand: list, get, wait, cancel or delete", errUsage)
	}
	var cmd *jobsCommand
	for i := range jobsCommands {
		if jobsCommands[i].name == args[0] {
			cmd = &jobsCommands[i]
		}
	}
	if cmd == nil {
		return fmt.Errorf("%w: unknown subcommand %q: want list, get, wait, cancel or delete", errUsage, args[0])
	}
	positional, err := parseFlagsAndArgs(fs, args[1:])
	if err != nil {
		return err
	}
	id := ""
	switch {
	case cmd.id && len(positional) == 0:
		return fmt.Errorf("%w: 'thresher jobs %s' needs a job id", errUsage, cmd.name)
	case cmd.id && len(positional) == 1:
		id = positional[0]
	case len(positional) > 0:
		return fmt.Errorf("%w: unexpected argument %q", errUsage, positional[len(positional)-1])
	}
	if err := checkOutput(o.output); err != nil {
		return err
	}
	opts, err := o.remote.dialOptions()
	if err != nil {
		return err
	}
	cl, err := client.New(o.remote.coordinator, opts...)
	if err != nil {
		return err
	}
	defer cl.Close()
	cl.DialTimeout = o.remote.dialTimeout
	return o.remote.explain(cmd.run(ctx, cl, &o, id, stdout, stderr))
}

// jobSummary is a job as 'thresher jobs list --format json' writes it.
type jobSummary struct {
	ID          string   `json:"id"`
	State       string   `json:"state"`
	Kinds       []string `json:"kinds"`
	Owner       string   `json:"owner"`
	Submitted   string   `json:"submitted,omitempty"`
	Finished    string   `json:"finished,omitempty"`
	Done        int64    `json:"done"`
	Total       int64    `json:"total"`
	ResultBytes int64    `json:"result_bytes"`
	Retention   string   `json:"retention,omitempty"`
	Message     string   `json:"message,omitempty"`
	Error       string   `json:"error,omitempty"`
}

// stampTime formats a time in milliseconds since 1970, "" for 0.
func stampTime(ms int64) string {
	if ms == 0 {
		return ""
	}
	return time.UnixMilli(ms).UTC().Format(time.RFC3339)
}

func summarize(j *pb.JobInfo) jobSummary {
	s := jobSummary{ID: j.JobId, State: strings.ToLower(strings.TrimPrefix(j.State.String(), "JOB_STATE_")), Kinds: []string{},
		Owner: j.Owner, Submitted: stampTime(j.SubmittedUnixMs), Finished: stampTime(j.FinishedUnixMs),
		ResultBytes: j.ResultBytes, Message: j.Message, Error: j.Error}
	for _, sp := range j.Specs {
		s.Kinds = append(s.Kinds, sp.Kind)
	}
	for _, p := range j.Progress {
		s.Done += p.Done
		s.Total += p.Total
	}
	if j.RetentionSeconds > 0 {
		s.Retention = (time.Duration(j.RetentionSeconds) * time.Second).String()
	}
	return s
}

func jobsList(ctx context.Context, cl *client.Client, o *jobsOptions, _ string, stdout, _ io.Writer) error {
	jobs, err := cl.List(ctx)
	if err != nil {
		return err
	}
	out := make([]jobSummary, len(jobs))
	for i, j := range jobs {
		out[i] = summarize(j)
	}
	if o.format == "json" {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSTATE\tKINDS\tOWNER\tSUBMITTED\tFINISHED\tPROGRESS\tRESULT")
	dash := func(s string) string { return cmp.Or(s, "-") }
	for _, s := range out {
		progress := "-"
		if s.Total > 0 {
			progress = fmt.Sprintf("%d/%d", s.Done, s.Total)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", s.ID, s.State, dash(kindList(s.Kinds)), dash(s.Owner),
			dash(s.Submitted), dash(s.Finished), progress, resultSize(s))
	}
	return tw.Flush()
}

// kindList names a job's kinds: "threshold", or "threshold x3" for a
// sweep of three, or "threshold x2,mediation".
func kindList(kinds []string) string {
	var parts []string
	for i := 0; i < len(kinds); {
		j := i
		for j < len(kinds) && kinds[j] == kinds[i] {
			j++
		}
		if j-i > 1 {
			parts = append(parts, fmt.Sprintf("%s x%d", kinds[i], j-i))
		} else {
			parts = append(parts, kinds[i])
		}
		i = j
	}
	return strings.Join(parts, ",")
}

func resultSize(s jobSummary) string {
	if s.State != "succeeded" {
		return "-"
	}
	return fmt.Sprintf("%d B", s.ResultBytes)
}

func jobsGet(ctx context.Context, cl *client.Client, o *jobsOptions, id string, stdout, stderr io.Writer) error {
	info, err := cl.Get(ctx, id)
	if err != nil {
		return err
	}
	switch info.State {
	case pb.JobState_JOB_STATE_SUCCEEDED:
	case pb.JobState_JOB_STATE_FAILED:
		return fmt.Errorf("job %s failed: %s", id, info.Error)
	case pb.JobState_JOB_STATE_CANCELLED:
		return fmt.Errorf("job %s was cancelled", id)
	default:
		s := summarize(info)
		return fmt.Errorf("job %s has not ended (%s, %d/%d): 'thresher jobs wait %s' follows it", id, s.State, s.Done, s.Total, id)
	}
	report, failed, err := renderJob(info, o, stderr)
	if err != nil {
		return err
	}
	if err := writeOutput(ctx, o.output, stdout, report); err != nil {
		return err
	}
	return failed
}

// renderJob renders a succeeded job's results as the command that
// submitted it did: a single specification without a label as xthreg,
// xthenreg or montecarlo (a threshold model's warnings to stderr with
// --format json, a study's failed replications to stderr, and failed, to
// return after the report, when every replication of a design failed),
// anything else as sweep.
func renderJob(info *pb.JobInfo, o *jobsOptions, stderr io.Writer) (report []byte, failed, err error) {
	if len(info.Results) != len(info.Specs) {
		return nil, nil, fmt.Errorf("job %s: %d results for %d specifications", info.JobId, len(info.Results), len(info.Specs))
	}
	registry := kinds.Builtin()
	ks := make([]model.Kind, len(info.Specs))
	labels := make([]string, len(info.Specs))
	for i, sp := range info.Specs {
		k, err := registry.Kind(sp.Kind)
		if err != nil {
			return nil, nil, fmt.Errorf("job %s: %w", info.JobId, err)
		}
		ks[i], labels[i] = k, sp.Label
	}
	if len(info.Specs) != 1 || labels[0] != "" {
		report, err = renderSweep(labels, ks, o.format, info.Results)
		return report, nil, err
	}
	switch info.Specs[0].Kind {
	case threshold.KindName:
		if o.format == "json" {
			if err := warnJSON(stderr, info.Results[0]); err != nil {
				return nil, nil, err
			}
		}
	case montecarlo.KindName:
		summary, err := montecarlo.DecodeSummary(info.Results[0])
		if err != nil {
			return nil, nil, err
		}
		failed = reportFailures(stderr, summary)
	}
	report, err = renderResult(ks[0], o.format, info.Results[0])
	return report, failed, err
}

func jobsWait(ctx context.Context, cl *client.Client, o *jobsOptions, id string, stdout, stderr io.Writer) error {
	progress := newProgressLog(stderr)
	if _, err := cl.Wait(ctx, id, progress.event); err != nil {
		return err
	}
	return jobsGet(ctx, cl, o, id, stdout, stderr)
}

func jobsCancel(ctx context.Context, cl *client.Client, _ *jobsOptions, id string, stdout, _ io.Writer) error {
	if err := cl.Cancel(ctx, id); err != nil {
		return err
	}
	_, err := fmt.Fprintf(stdout, "cancelled job %s\n", id)
	return err
}

func jobsDelete(ctx context.Context, cl *client.Client, _ *jobsOptions, id string, stdout, _ io.Writer) error {
	if err := cl.Delete(ctx, id); err != nil {
		return err
	}
	_, err := fmt.Fprintf(stdout, "deleted job %s\n", id)
	return err
}
