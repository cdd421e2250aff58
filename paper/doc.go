// Package paper reproduces the tables of the applied paper on the digital
// economy and the export-implied carbon intensity of 30 Chinese provinces
// (2008-2020): it builds the analysis data from raw inputs, computes
// Tables 2 to 6 with the estimator packages, and writes them as Markdown,
// LaTeX (booktabs), CSV and JSON. It is pure computation and formatting:
// the bootstrap draws of Tables 5 and 6 are inputs, so that a cluster can
// compute them.
//
// # Pipeline
//
//	spec   := DefaultSpec() or LoadSpec(path)        YAML, unknown keys are errors
//	ds     := BuildPanel(raw, spec)                  construct lndig and lncie
//	med    := PrepareMediation(ds, spec)             mediation.Problem per mediator
//	draws  := MediationDraws(med) or a cluster       a*b draws by mediator
//	models := PrepareThresholds(ds, spec)            threshold.Spec per variable
//	res    := EstimateThresholds(models, opts) or a cluster
//	tables := Compute(ds, spec, draws, res)          Tables 2-6
//	WriteAll(ctx, dir, tables.List()...)             table2.md ... table6.json
//
// # Construction (BuildPanel)
//
// The treatment, when the data lack it, is the principal-component index
// (package pca) of the digital indicators, rescaled:
//
//	lndig = center + scale (F - mean F) / sd(F)
//
// with F the first component's scores (or the variance-share index) and
// center 4.93, scale 1.05 by default, Table 2's mean and SD of lndig. The
// paper names the index "lndig" without saying how a PCA score, which has
// mean 0, was made positive for its logarithm. We map it affinely to
// Table 2's moments, which keeps the index's information and puts its
// coefficients on the paper's scale. The outcome, when the data
// lack it, is ln(C / sum_j EX_j), the log of the carbon embodied in exports
// per unit of exports, eqs. (5)-(6) (package ioc), of each row's
// input-output columns (see Carbon). Both reproduce the process of
// simulate.Provinces to rounding.
//
// # Tables
//
//	Table 2  N, mean, SD (divisor N - 1), min and max of every variable, on
//	         the rows where all exist.
//	Table 3  y on x, then the controls added one at a time: unit and period
//	         fixed effects, standard errors clustered by unit (package
//	         twfe, Stata's xtreg, fe vce(cluster)).
//	Table 4  the full model by region, then on the "high" and "low" halves
//	         of the treatment split at its median. Spec.Split chooses
//	         between units ranked by their mean treatment (default: a unit
//	         lies wholly in one half, as the paper's subsamples of whole
//	         provinces suggest, though its N of 104 and 286 is not a median
//	         split) and observations ranked individually. The median of an
//	         even count is the mean of the two middle values; values equal
//	         to it are "low".
//	Table 5  Baron-Kenny steps for each mediator (package mediation): the
//	         total effect (once, unless a mediator's sample changes it),
//	         X -> M, and Y on X and M with a*b, its Sobel, Aroian and Goodman
//	         tests and its percentile and bias-corrected bootstrap intervals.
//	Table 6  one Hansen (1999) threshold model per threshold variable
//	         (package threshold): the regressor's slope by regime, the
//	         controls and period effects (i.<time>: a dummy per period
//	         but the first one the lags leave) regime-independent, unit
//	         fixed effects. The number of thresholds K is chosen
//	         sequentially: stage k is kept while its bootstrap p-value and
//	         those of every earlier stage are below Threshold.Select (0.05);
//	         K = 0 reports the tests alone. Thresholds carry the LR
//	         confidence sets of the stage that estimated them; slopes carry
//	         unit-clustered standard errors.
//
// Stars mark two-sided p-values below 0.10 (*), 0.05 (**) and 0.01 (***);
// coefficient p-values use Student's t with G - 1 degrees of freedom for G
// clusters, as Stata does with vce(cluster). Standard errors are printed in
// parentheses under the estimates.
//
// # JSON
//
// Tables 3, 4 and 5 encode as {"columns": [{"label", "depvar", "sample",
// "n", "r2_within", "coefficients": {name: {"estimate", "se", "p_value"}}}]}
// with the coefficients in model order and "_cons" last; Table 5's columns
// add "equation" and, on outcome equations, "indirect". Table 2 encodes as
// {"variables": [...]} and Table 6 as {"models": [...]}. Keys have a fixed
// order and a NaN is an error, never written.
package paper
