// Package plots draws the figures of a panel threshold model's result
// (package threshold) and of a Monte Carlo study with gonum.org/v1/plot:
//
//   - LRCurve: the classic figure of Hansen (1999, Figure 1): the profile
//     likelihood ratio LR(g) = (S(g) - S(ghat)) / sigma^2 of a threshold over
//     the candidates its stage searched, the horizontal line at the critical
//     value c(a) = -2 ln(1 - sqrt(a)) (threshold.LRCritical) of the result's
//     confidence level a (times the interval's eta^2 under robust inference,
//     docs/threshold-model.md §11.2), and the estimate ghat marked on the axis, where
//     LR(ghat) = 0. The confidence set, the candidates below the line, is
//     shaded (as bands: it need not be one interval).
//   - BootstrapF: the histogram of a stage's bootstrap statistics F* with
//     the observed F marked; the p-value is the share of F* above it, shown
//     as "p < 1/B" when no draw is. The draws are in the result only when
//     its specification kept them (threshold.Spec.KeepDraws,
//     bootstrap.draws in the JSON).
//   - PValueQQ and PowerCurve, for a Monte Carlo study's summary (package
//     montecarlo): the quantiles of a design's null p-values against the
//     uniform's, and the 5% rejection rate against the effect of designs
//     that differ only in it, with bars of two Monte Carlo standard
//     errors; Study returns every such figure of a summary.
//
// Stages are numbered as in the result (k = 1 for the single-threshold
// model), curves as in the stage's lr_curves (0: the threshold the stage
// added; at stage 2, 1: the refined first threshold).
//
// A Figure's legend is laid out below the plot area, never over the data,
// and the title shrinks to the figure's width: texts stay inside the figure
// and off the data, or Save fails with ErrSize when the font is too large
// for the figure (layout_test.go checks the SVG over the sizes Options
// accepts). Save
// writes PNG, SVG or PDF by the file's extension at the size of Options;
// All writes every figure of a result in Options' formats.
package plots
