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
	"slices"
	"strings"

	"github.com/thresher/thresher/estimators/mediation"
	"github.com/thresher/thresher/estimators/panel"
	"github.com/thresher/thresher/estimators/simulate"
	"github.com/thresher/thresher/estimators/threshold"
	"github.com/thresher/thresher/internal/ctxio"
	"github.com/thresher/thresher/internal/outfile"
	"github.com/thresher/thresher/paper"
	"github.com/thresher/thresher/plots"
	pb "github.com/thresher/thresher/proto/thresherv1"
)

const simulateSynopsis = `Writes a synthetic data set with a documented data-generating process:

  thresher simulate provinces --seed S --out DIR
      the applied paper's 30 x 13 provincial panel (2008-2020), calibrated to
      its Table 2, with known effects, the raw digital indicators of the PCA
      index and the input-output data of the carbon measure: DIR/provinces.csv
      and DIR/provinces_truth.csv (see 'go doc ./estimators/simulate Provinces')
  thresher simulate threshold --units N --periods T --seed S --out DIR
      a balanced panel with thresholds at 0.3 and 0.7: DIR/threshold.csv`

func runSimulate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		fmt.Fprintf(stderr, "Usage: thresher simulate provinces|threshold [flags]\n\n%s\n", simulateSynopsis)
		return fmt.Errorf("%w: name the data set: provinces or threshold", errUsage)
	}
	kind := args[0]
	fs := newFlagSet("simulate "+kind, simulateSynopsis, stderr)
	seed, units, periods := uint64(1), 500, 10
	fs.Var(seedValue{&seed}, "seed", "seed of the data-generating process")
	out := fs.String("out", ".", "directory to write into")
	fs.Var(intValue{&units, 2, maxSimUnits}, "units", fmt.Sprintf("units, 2..%d (threshold only)", maxSimUnits))
	fs.Var(intValue{&periods, 2, maxSimPeriods}, "periods", fmt.Sprintf("periods, 2..%d (threshold only)", maxSimPeriods))
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	if kind != "provinces" && kind != "threshold" {
		return fmt.Errorf("%w: unknown data set %q (want provinces or threshold)", errUsage, kind)
	}
	if err := checkOutDir("out", *out); err != nil {
		return err
	}
	if kind == "provinces" {
		if err := (simulate.Provinces{Seed: seed}).Write(ctx, *out); err != nil {
			return err
		}
		_, err := fmt.Fprintf(stdout, "wrote %s and %s\n", filepath.Join(*out, "provinces.csv"), filepath.Join(*out, "provinces_truth.csv"))
		return err
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	path := filepath.Join(*out, "threshold.csv")
	var data []byte
	if err := interruptible(ctx, func() error {
		data = simulate.ThresholdPanel{Units: units, Periods: periods, Seed: seed}.CSV()
		return nil
	}); err != nil {
		return err
	}
	if err := writeOutput(ctx, path, stdout, data); err != nil {
		return err
	}
	_, err := fmt.Fprintf(stdout, "wrote %s\n", path)
	return err
}

// Sizes of 'thresher simulate threshold'.
const (
	maxSimUnits   = 1_000_000
	maxSimPeriods = 1_000
)

const paperSynopsis = `Runs the applied paper's workflow on a provincial panel and writes its tables:
Table 2 (descriptives), 3 (stepwise two-way fixed effects), 4 (regions and
high/low digital level), 5 (mediation with Sobel tests and bootstrap
intervals) and 6 (threshold models, number of thresholds chosen by the
bootstrap tests), each as Markdown, LaTeX, CSV and JSON, the threshold and
mediation results as JSON, and a figure of every LR curve and bootstrap
distribution (PNG and SVG; --width, --height, --font-size and --formats as
in 'thresher plot').

By default the data carry the paper's variables (province, year, region,
lncie, lndig, lnpgdp, lnopen, lnes, lncap, lnind, lntec); when lndig or lncie
are missing they are built from the raw digital indicators (PCA) and the
input-output columns (eqs. 5-6), as 'thresher simulate provinces' writes
them. --spec (YAML) renames variables and changes controls, subsamples,
mediators and threshold variables; 'go doc ./paper Spec' lists its keys.

The bootstraps of Table 6 and of the mediation run as one sweep job: on the
in-process cluster by default, or on --coordinator.

--write-panel FILE also writes the data Table 6's threshold models run on:
the panel with the built lndig and lncie. With the default specification
each model of Table 6 is then

  thresher xthreg --data FILE --id province --time year --depvar lncie \
    --indep lnpgdp,lnopen,lnes,lncap --fe twoway --rx lndig \
    --qx Q --thnum 3 --grid 300 --trim 0.01 --bs 300 --seed 1

for Q = lndig, lnind, lntec: with --save-draws its JSON is threshold_Q.json
exactly (--fe twoway adds the year effects i.year, a dummy for every year
but the first).

  thresher simulate provinces --seed 1 --out sim
  thresher paper --data sim/provinces.csv --out results`

func runPaper(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("paper", paperSynopsis, stderr)
	dataPath := fs.String("data", "", "provincial panel CSV (required)")
	specPath := fs.String("spec", "", "YAML specification (default: the paper's)")
	out := fs.String("out", "", "directory for the tables, results and figures (required)")
	panelPath := fs.String("write-panel", "", "also write the threshold models' data (with lndig and lncie) to this CSV file")
	var lf localFlags
	lf.register(fs)
	maxData := registerMaxDataset(fs)
	var remote remoteFlags
	remote.register(fs)
	var fig figureFlags
	fig.register(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *dataPath == "" || *out == "" {
		return fmt.Errorf("%w: --data and --out are required", errUsage)
	}
	if err := checkOutDir("out", *out); err != nil {
		return err
	}
	if *panelPath != "" {
		if err := outfile.Check(*panelPath); err != nil {
			return fmt.Errorf("%w: --write-panel %v", errUsage, err)
		}
	}
	spec := paper.DefaultSpec()
	if *specPath != "" {
		// paper.LoadSpec, with a bounded read that stops on a signal.
		raw, err := ctxio.ReadFile(ctx, *specPath, maxSpecBytes)
		if err != nil {
			return fmt.Errorf("paper spec: %w", err)
		}
		spec, err = paper.ParseSpec(bytes.NewReader(raw))
		if errors.Is(err, paper.ErrSpec) {
			return fmt.Errorf("%w: %s: %v", errUsage, *specPath, err)
		} else if err != nil {
			return fmt.Errorf("%s: %w", *specPath, err)
		}
	}
	data, err := readData(ctx, *dataPath, *maxData, nil)
	if err != nil {
		return err
	}
	raw, err := data.open()
	if err != nil {
		return err
	}
	table, err := panel.ReadCSV(raw)
	raw.Close()
	if err != nil {
		return err
	}
	ds, err := paper.BuildPanel(table, spec)
	if err != nil {
		return err
	}
	models, err := paper.PrepareThresholds(ds, spec)
	if err != nil {
		return err
	}
	problems, err := paper.PrepareMediation(ds, spec)
	if err != nil {
		return err
	}

	// One sweep job: the threshold models, then the mediation bootstraps,
	// on the threshold data.
	var specs []*pb.Specification
	for _, s := range models.Specs {
		specs = append(specs, &pb.Specification{Label: "threshold " + s.Qx, Kind: threshold.KindName,
			Spec: threshold.ConfigOf(s, threshold.Fast).Encode()})
	}
	for _, p := range problems {
		s := p.Spec()
		s.KeepDraws = true
		specs = append(specs, &pb.Specification{Label: "mediation " + s.Mediator, Kind: mediation.KindName,
			Spec: mediation.Config{ID: ds.Layout.ID, Time: ds.Layout.Time, Spec: s}.Encode()})
	}
	results, err := runJob(ctx, &remote, lf, bytesDataset(models.CSV), specs, newProgressLog(stderr))
	if err != nil {
		return err
	}

	var thresholds []*threshold.Result
	draws := map[string][]float64{}
	written := []string{}
	for i, r := range results {
		var name string
		if i < len(models.Specs) {
			res, err := threshold.DecodeResult(r)
			if err != nil {
				return err
			}
			thresholds = append(thresholds, res)
			name = "threshold_" + fileStem(res.Model.Qx)
			figures, err := plots.All(ctx, *res, *out, name, fig.options())
			if err != nil {
				return figureError(err)
			}
			written = append(written, figures...)
		} else {
			var res mediation.Result
			if err := json.Unmarshal(r, &res); err != nil {
				return err
			}
			if res.Bootstrap != nil {
				draws[res.Model.Mediator] = res.Bootstrap.Draws
			}
			name = "mediation_" + fileStem(res.Model.Mediator)
		}
		var pretty bytes.Buffer
		json.Indent(&pretty, r, "", "  ")
		pretty.WriteByte('\n')
		path := filepath.Join(*out, name+".json")
		if err := writeOutput(ctx, path, stdout, pretty.Bytes()); err != nil {
			return err
		}
		written = append(written, path)
	}
	tables, err := paper.Compute(ds, spec, draws, thresholds)
	if err != nil {
		return err
	}
	if err := paper.WriteAll(ctx, *out, tables.List()...); err != nil {
		return err
	}
	if *panelPath != "" {
		if err := outfile.Write(ctx, *panelPath, models.CSV, outfile.Perm); err != nil {
			return fmt.Errorf("write panel: %w", err)
		}
		fmt.Fprintf(stdout, "wrote the threshold models' data to %s\n", *panelPath)
	}
	_, err = fmt.Fprintf(stdout, "wrote tables 2-6 (md, tex, csv, json) and %d result and figure files to %s\n", len(written), *out)
	return err
}

// fileStem turns a variable-list term into a file name part.
func fileStem(term string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' {
			return r
		}
		return '_'
	}, term)
}

const plotSynopsis = `Draws the figures of a saved threshold result (thresher xthreg --format json):
the LR(g) curve of every estimated threshold with the critical value c(a),
and, when the result kept its bootstrap draws (--save-draws), the
distribution of F* with the observed F, as PNG and SVG (--formats adds PDF).
The legend sits below the plot area, the LR curve's confidence set is
shaded, and a p-value no draw reaches reads "p < 1/B".

  thresher plot --result r.json --out figs --width 5 --height 3.5 --font-size 9 --formats pdf`

func runPlot(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("plot", plotSynopsis, stderr)
	resultPath := fs.String("result", "", "JSON result of thresher xthreg (required)")
	out := fs.String("out", ".", "directory for the figures")
	prefix := fs.String("prefix", "threshold", "file name prefix")
	var fig figureFlags
	fig.register(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *resultPath == "" {
		return fmt.Errorf("%w: --result is required", errUsage)
	}
	if err := checkNewOutDir("out", *out); err != nil {
		return err
	}
	res, err := readResult(ctx, *resultPath)
	if err != nil {
		return err
	}
	if len(res.Stages) == 0 {
		return fmt.Errorf("%s: not a threshold result: no stages", *resultPath)
	}
	fmt.Fprintf(stderr, "thresher: drawing the figures of %s\n", *resultPath)
	paths, err := plots.All(ctx, res, *out, *prefix, fig.options())
	if err != nil {
		return figureError(err)
	}
	for _, p := range paths {
		fmt.Fprintln(stdout, p)
	}
	return nil
}

// readResult decodes the JSON result at path, of at most maxResultBytes,
// as it is read: input that is not JSON (a device) fails at its first
// byte, and opening, reading and decoding stop when ctx ends.
func readResult(ctx context.Context, path string) (threshold.Result, error) {
	var res threshold.Result
	f, err := ctxio.Open(ctx, path)
	if err != nil {
		return res, err
	}
	defer f.Close()
	if fi, err := f.Stat(); err != nil {
		return res, err
	} else if fi.Mode().IsRegular() && fi.Size() > maxResultBytes {
		return res, fmt.Errorf("%s: %w: %d bytes, more than the %d plot reads", path, ctxio.ErrTooLarge, fi.Size(), maxResultBytes)
	}
	// Decoding a large result takes seconds between reads.
	err = interruptible(ctx, func() error {
		dec := json.NewDecoder(ctxio.Limit(f, maxResultBytes))
		if err := dec.Decode(&res); err != nil {
			return err
		}
		if _, err := dec.Token(); err != io.EOF {
			return fmt.Errorf("more after the result's JSON object (%v)", err)
		}
		return nil
	})
	if ctx.Err() != nil {
		return res, err
	} else if errors.Is(err, ctxio.ErrTooLarge) {
		return res, fmt.Errorf("%s: %w", path, err)
	} else if err != nil {
		return res, fmt.Errorf("%s: not a threshold result: %w", path, err)
	}
	return res, nil
}

// figureFlags are the size and format options of the figures.
type figureFlags struct {
	width, height, fontSize float64
	formats                 string
}

func (f *figureFlags) register(fs *flag.FlagSet) {
	f.width, f.height, f.fontSize, f.formats = plots.Width, plots.Height, plots.FontSize, "png,svg"
	fs.Var(floatValue{&f.width, interval{lo: plots.MinWidth, hi: plots.MaxWidth}}, "width",
		fmt.Sprintf("figure width in inches, %g..%g", plots.MinWidth, plots.MaxWidth))
	fs.Var(floatValue{&f.height, interval{lo: plots.MinHeight, hi: plots.MaxHeight}}, "height",
		fmt.Sprintf("figure height in inches, %g..%g", plots.MinHeight, plots.MaxHeight))
	fs.Var(floatValue{&f.fontSize, interval{lo: plots.MinFontSize, hi: plots.MaxFontSize}}, "font-size",
		fmt.Sprintf("font size of labels and legend in points, %g..%g (the title's is 1.2 times it)", plots.MinFontSize, plots.MaxFontSize))
	fs.Var(choiceValue{&f.formats, checkFigureFormats}, "formats",
		"figure formats, a list of "+strings.Join(plots.Formats, ", "))
}

// checkFigureFormats checks a --formats list.
func checkFigureFormats(s string) error {
	list := splitList(s)
	if len(list) == 0 {
		return fmt.Errorf("%q names no format (want %s)", s, strings.Join(plots.Formats, ", "))
	}
	for _, f := range list {
		if !slices.Contains(plots.Formats, f) {
			return fmt.Errorf("unknown figure format %q (want %s)", f, strings.Join(plots.Formats, ", "))
		}
	}
	return nil
}

func (f *figureFlags) options() plots.Options {
	return plots.Options{Width: f.width, Height: f.height, FontSize: f.fontSize, Formats: splitList(f.formats)}
}

// figureError makes a font too large for the figure a usage mistake.
func figureError(err error) error {
	if errors.Is(err, plots.ErrSize) {
		return fmt.Errorf("%w: %v (lower --font-size or raise --width and --height)", errUsage, err)
	}
	return err
}
