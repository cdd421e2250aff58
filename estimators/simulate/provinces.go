package simulate

import (
	"math"
	"math/rand/v2"
)

// Provinces describes a synthetic balanced panel shaped like the applied
// paper's data: the 30 provinces of mainland China (Tibet, Hong Kong, Macao
// and Taiwan excluded) observed every year from 2008 to 2020, 390 rows. It
// holds the raw inputs of the paper's construction steps (the five
// digital-economy indicators and a three-sector input-output table per
// province-year) rather than the constructed lndig and lncie, so that the
// whole pipeline can be run on it; the constructed values are the truth the
// pipeline must reproduce.
//
// # Regions
//
//	east (11)    Beijing, Tianjin, Hebei, Liaoning, Shanghai, Jiangsu,
//	             Zhejiang, Fujian, Shandong, Guangdong, Hainan
//	central (8)  Shanxi, Jilin, Heilongjiang, Anhui, Jiangxi, Henan, Hubei,
//	             Hunan
//	west (11)    Inner Mongolia, Guangxi, Chongqing, Sichuan, Guizhou,
//	             Yunnan, Shaanxi, Gansu, Qinghai, Ningxia, Xinjiang
//
// # Data-generating process
//
// Province i in region r, year t = 0..12 (2008..2020), N = 390; N(0, s^2)
// draws are independent unless an AR(1) is named; "std(v; m, s)" is the
// affine map that gives v the sample mean m and standard deviation s
// (divisor N - 1) exactly, which is how every variable matches the means and
// SDs of the paper's Table 2.
//
//	latent digital level  D_it = S_it + nu_it,  S_it = alpha_i + g_i ln(1 + t),
//	                      alpha_i = alpha_r + N(0, 0.35^2),
//	                      g_i = g_r (1 + N(0, 0.25^2)), nu AR(1) rho 0.5, sd 0.15
//	treatment             lndig = 4.93 + 1.05 d,  d = std(D; 0, 1)
//	controls              lnpgdp = std(0.3 S + 0.3 N_i + 0.08 t + AR; 1.42, 0.52)
//	                      lnopen = std(o_r + 0.8 N_i - 0.02 t + AR; -3.25, 1.90)
//	                      lnes   = std(-exp(-0.87 + 0.75 N_i + 0.3 AR); -0.52, 0.38)
//	                      lncap  = std(0.2 S + 0.4 N_i + 0.10 t + AR; 1.79, 0.59)
//	mediators             lnind = m_i + 0.01 t + a1 lndig + 0.10 lnpgdp + u1
//	                      lntec = k_i + 0.005 t + a2 lndig + 0.05 lncap + u2
//	outcome               lncie = mu_i - 0.03 t + beta(lndig) lndig + b1 lnind
//	                              + b2 lntec + theta'(lnpgdp, lnopen, lnes, lncap) + e
//	                      beta(q) = DirectLow for q <= 5.5, DirectHigh above
//
// with the true values of ProvinceParameters: a1 = 0.15, b1 = -0.30 (lnind),
// a2 = 0.10, b2 = -0.60 (lntec), DirectLow = -0.10, DirectHigh = -0.08,
// theta = (-0.13, -0.23, 0.54, 0.34), u1 ~ N(0, 0.10^2), u2 ~ N(0, 0.06^2),
// e ~ N(0, 0.06^2). Regional levels alpha_r = 0.8, 0, -0.4 and growth
// g_r = 0.45, 0.55, 0.6 (east, central, west): the west catches up. The
// province effects m_i, k_i and mu_i are a regional level plus N(0, 1),
// scaled (and a constant added) so that lnind, lntec and lncie have Table 2's
// mean and SD exactly: scaling a fixed effect leaves every slope above
// unchanged. The ARs have coefficient 0.6 or 0.7 and innovations of SD 0.05
// to 0.1. Every time effect is a linear trend, so a linear trend or year
// dummies absorb it.
//
// Known effects: in a two-way fixed-effects model without the mediators, the
// slope of lndig is the reduced form TotalLow() = -0.205 for lndig <= 5.5
// and TotalHigh() = -0.185 above (the threshold model of the paper's Table 6
// with qx = lndig is correctly specified: the regime slopes and the
// threshold are identified). The slope change comes with a jump of
// 0.02 * 5.5 in lncie that a linear fit partly absorbs, so the linear model
// of Table 3 estimates a pseudo-true slope near the two (-0.13 to -0.19 for
// seeds 1 to 5). The mediation steps have a = a1 > 0, b = b1 < 0 for lnind
// and a = a2 > 0, b = b2 < 0 for lntec. The process has no threshold in lnind
// or lntec, but both move with lndig, so threshold models with qx = lnind or
// lntec are misspecified and their tests often reject linearity.
//
// Table 2 is matched in its means and SDs only; its printed ranges are not
// targeted, and cannot all be: lncap's minimum 3.37 exceeds its maximum 3.36
// (and its mean 1.79), which we read as a misprint (0.37 would fit), and
// Table 6's lnind thresholds -1.16 and -0.96 lie below Table 2's minimum of
// lnind, -0.63. On seed 1 the ranges are lndig [2.39, 7.32], lncie
// [1.51, 7.53], lnes [-1.60, -0.04], lnopen [-8.09, 0.44].
//
// # Raw digital indicators
//
// Indicator j has z-score z_j = sqrt(0.8) d + U_j and value
// x_j = mean_j + sd_j z_j (see ProvinceIndicators for names, units, means
// and SDs; every mean is at least 5.5 SDs above zero, so every value is
// positive). The noise U (N x 5) is constructed orthogonal to the constant
// and to d, with rows summing to zero and
// U'U/(N-1) = 0.25 (I - 11'/5); so each z_j has mean 0 and variance 1
// exactly, the indicators' correlation matrix is 0.8 11' + 0.25 (I - 11'/5)
// (eigenvalues 4 and 0.25), and the first principal component of the five
// indicators is exactly 2 d. Hence
//
//	lndig = 4.93 + 1.05 F_1 / sd(F_1)
//
// for the first component's scores F_1, to rounding. This exactness is a
// property of the synthetic design, not of real indicators.
//
// # Input-output tables
//
// Every province-year has a three-sector table (agr, ind, ser): technical
// coefficients a_ij = base_ij exp(N(0, 0.05^2)) (input from i per unit of
// output of j; base column sums 0.38, 0.76 and 0.44), outputs in million
// yuan whose services/industry ratio is exp(lnind), exports in million yuan
// whose shares rise with lnopen, and each sector's use of the seven energy
// sources of the paper's Table 1 (ioc.PaperFactors, tonnes; natural gas in
// 10^4 m^3) with the coal share of industry exp(lnes). The energy use is
// finally scaled so that the export-implied carbon intensity of eqs. (5)-(6)
// (ioc.Compute: tonnes of CO2 per million yuan of exports) is exp(lncie):
//
//	lncie = ln(C / sum_j EX_j),  C = c (I - A)^{-1} EX
//
// to rounding.
type Provinces struct {
	Seed uint64 // keys the random stream; equal seeds give equal data
}

// ProvinceTruth holds the true parameters of the Provinces process.
type ProvinceTruth struct {
	// Center and Scale map the standardised latent level d to lndig.
	Center, Scale float64
	// Threshold is the value of lndig at which the direct slope changes.
	Threshold float64
	// DirectLow and DirectHigh are the direct slopes of lndig on lncie for
	// lndig <= Threshold and above it.
	DirectLow, DirectHigh float64
	// IndA is the slope of lndig in the lnind equation, IndB the slope of
	// lnind in the lncie equation.
	IndA, IndB float64
	// TecA is the slope of lndig in the lntec equation, TecB the slope of
	// lntec in the lncie equation.
	TecA, TecB float64
	// Controls are the slopes of lnpgdp, lnopen, lnes and lncap in the lncie
	// equation.
	Controls [4]float64
	// IndPGDP is the slope of lnpgdp in the lnind equation; TecCap the slope
	// of lncap in the lntec equation.
	IndPGDP, TecCap float64
	// SigmaCIE, SigmaInd and SigmaTec are the error SDs of the lncie, lnind
	// and lntec equations.
	SigmaCIE, SigmaInd, SigmaTec float64
}

// ProvinceParameters returns the true parameters of the Provinces process.
func ProvinceParameters() ProvinceTruth {
	return ProvinceTruth{
		Center: 4.93, Scale: 1.05, Threshold: 5.5, DirectLow: -0.10, DirectHigh: -0.08,
		IndA: 0.15, IndB: -0.30, TecA: 0.10, TecB: -0.60,
		Controls: [4]float64{-0.13, -0.23, 0.54, 0.34}, IndPGDP: 0.10, TecCap: 0.05,
		SigmaCIE: 0.06, SigmaInd: 0.10, SigmaTec: 0.06,
	}
}

// TotalLow is the reduced-form slope of lndig on lncie below the threshold,
// with the mediators left out: DirectLow + IndA IndB + TecA TecB.
func (p ProvinceTruth) TotalLow() float64 { return p.DirectLow + p.indirect() }

// TotalHigh is the reduced-form slope above the threshold.
func (p ProvinceTruth) TotalHigh() float64 { return p.DirectHigh + p.indirect() }

func (p ProvinceTruth) indirect() float64 { return p.IndA*p.IndB + p.TecA*p.TecB }

// ProvinceRow is one province-year of the Provinces panel.
type ProvinceRow struct {
	Province string // e.g. "Beijing"
	Region   string // east, central or west
	Year     int    // 2008 to 2020
	// Indicators are the raw digital indicators in ProvinceIndicators order.
	Indicators [5]float64
	// LnPGDP, LnOpen, LnES and LnCap are the controls; LnInd and LnTec the
	// mediators.
	LnPGDP, LnOpen, LnES, LnCap float64
	LnInd, LnTec                float64
	// IO is the province-year's input-output table.
	IO ProvinceIO
	// LnDig and LnCIE are the treatment and outcome of the process; they
	// are not in provinces.csv (the pipeline constructs them) but in
	// provinces_truth.csv.
	LnDig, LnCIE float64
}

// ProvinceIO is a three-sector input-output table with energy use, sectors
// and sources in the order of ProvinceSectors and ProvinceSources.
type ProvinceIO struct {
	// A[i][j] is the input from sector i per unit of output of sector j.
	A [3][3]float64
	// Output and Exports are in million yuan.
	Output, Exports [3]float64
	// Energy[i][k] is sector i's use of source k, in tonnes (natural gas:
	// 10^4 m^3).
	Energy [3][7]float64
}

// Indicator describes a raw digital-economy indicator of Provinces.
type Indicator struct {
	// Column is the CSV column name.
	Column string
	// Description says what the indicator measures and its unit.
	Description string
	// Mean and SD are its exact sample mean and standard deviation.
	Mean, SD float64
}

// ProvinceIndicators returns the five digital-economy indicators of the
// paper, as Provinces generates them.
func ProvinceIndicators() []Indicator {
	return []Indicator{
		{"broadband", "Internet broadband access users per 100 people", 24, 4},
		{"software", "share of computer service and software employment in urban units, %", 1.6, 0.28},
		{"telecom", "telecommunication services per capita, yuan", 2400, 420},
		{"mobile", "mobile phones per 100 people", 95, 17},
		{"finance", "Peking University digital inclusive finance index", 210, 38},
	}
}

// ProvinceSectors returns the column tags of the three input-output sectors:
// agriculture (primary), industry (secondary) and services (tertiary).
func ProvinceSectors() []string { return []string{"agr", "ind", "ser"} }

// ProvinceSources returns the column tags of the seven energy sources, in
// the order of ioc.PaperFactors.
func ProvinceSources() []string {
	return []string{"coal", "coke", "diesel", "gasoline", "diesel_fuel", "fuel_oil", "natural_gas"}
}

// region is a region's label, provinces and process parameters.
type region struct {
	name      string
	provinces []string
	level     float64 // alpha_r of D
	growth    float64 // g_r of D
	open      float64 // o_r of lnopen
	effect    float64 // regional level of the outcome's and mediators' effects
}

var regions = []region{
	{"east", []string{"Beijing", "Tianjin", "Hebei", "Liaoning", "Shanghai", "Jiangsu", "Zhejiang", "Fujian",
		"Shandong", "Guangdong", "Hainan"}, 0.8, 0.45, 1.0, -0.8},
	{"central", []string{"Shanxi", "Jilin", "Heilongjiang", "Anhui", "Jiangxi", "Henan", "Hubei", "Hunan"},
		0.0, 0.55, -0.3, 0.3},
	{"west", []string{"Inner Mongolia", "Guangxi", "Chongqing", "Sichuan", "Guizhou", "Yunnan", "Shaanxi",
		"Gansu", "Qinghai", "Ningxia", "Xinjiang"}, -0.4, 0.6, -0.8, 0.6},
}

// Years of the Provinces panel.
const (
	FirstYear = 2008
	LastYear  = 2020
)

// Generate returns the panel's rows, provinces in the order of the region
// lists above and years in increasing order.
func (c Provinces) Generate() []ProvinceRow {
	rng := rand.New(rand.NewPCG(c.Seed, 0x70726f76696e6365))
	truth := ProvinceParameters()
	periods := LastYear - FirstYear + 1
	var rows []ProvinceRow
	var unit []int
	var regionOf []region
	for _, reg := range regions {
		for _, name := range reg.provinces {
			for t := range periods {
				rows = append(rows, ProvinceRow{Province: name, Region: reg.name, Year: FirstYear + t})
				unit = append(unit, len(regionOf))
			}
			regionOf = append(regionOf, reg)
		}
	}
	n := len(rows)
	g := &generator{rng: rng, n: n, periods: periods, unit: unit, regionOf: regionOf}

	// Latent digital level and the treatment.
	smooth, latent := make([]float64, n), make([]float64, n)
	alpha := g.perUnit(func(r region) float64 { return r.level + 0.35*rng.NormFloat64() })
	growth := g.perUnit(func(r region) float64 { return r.growth * (1 + 0.25*rng.NormFloat64()) })
	nu := g.ar(0.5, 0.15)
	for i := range rows {
		smooth[i] = alpha[unit[i]] + growth[unit[i]]*math.Log1p(float64(g.t(i)))
		latent[i] = smooth[i] + nu[i]
	}
	d := standardize(latent, 0, 1)
	lndig := standardize(d, truth.Center, truth.Scale)

	// Controls.
	lnpgdp := g.control(smooth, 0.3, 0.3, 0.08, 0.6, 0.05, 1.42, 0.52, nil)
	lnopen := g.control(nil, 0, 0.8, -0.02, 0.7, 0.08, -3.25, 1.90, func(r region) float64 { return r.open })
	esUnit, esAR := g.perUnit(func(region) float64 { return rng.NormFloat64() }), g.ar(0.7, 0.1)
	es := make([]float64, n)
	for i := range es {
		es[i] = -math.Exp(-0.87 + 0.75*esUnit[unit[i]] + 0.3*esAR[i])
	}
	lnes := standardize(es, -0.52, 0.38)
	lncap := g.control(smooth, 0.2, 0.4, 0.10, 0.6, 0.06, 1.79, 0.59, nil)

	// Mediators and outcome: slopes fixed, effects scaled to Table 2.
	lnind := g.equation(0.01, 0.13, 0.39, truth.SigmaInd, func(i int) float64 {
		return truth.IndA*lndig[i] + truth.IndPGDP*lnpgdp[i]
	})
	lntec := g.equation(0.005, 0.23, 0.17, truth.SigmaTec, func(i int) float64 {
		return truth.TecA*lndig[i] + truth.TecCap*lncap[i]
	})
	lncie := g.equation(-0.03, 4.88, 1.46, truth.SigmaCIE, func(i int) float64 {
		slope := truth.DirectHigh
		if lndig[i] <= truth.Threshold {
			slope = truth.DirectLow
		}
		controls := [4]float64{lnpgdp[i], lnopen[i], lnes[i], lncap[i]}
		v := slope*lndig[i] + truth.IndB*lnind[i] + truth.TecB*lntec[i]
		for k, x := range controls {
			v += truth.Controls[k] * x
		}
		return v
	})

	indicators := digitalIndicators(rng, d)
	for i := range rows {
		r := &rows[i]
		for j := range r.Indicators {
			r.Indicators[j] = indicators[j][i]
		}
		r.LnPGDP, r.LnOpen, r.LnES, r.LnCap = lnpgdp[i], lnopen[i], lnes[i], lncap[i]
		r.LnInd, r.LnTec, r.LnDig, r.LnCIE = lnind[i], lntec[i], lndig[i], lncie[i]
		r.IO = ioTable(rng, r)
	}
	return rows
}

// generator holds the panel's structure while Generate draws variables.
type generator struct {
	rng      *rand.Rand
	n        int
	periods  int
	unit     []int
	regionOf []region
}

// t returns row i's period index 0..periods-1.
func (g *generator) t(i int) int { return i % g.periods }

// perUnit draws one value per unit from its region.
func (g *generator) perUnit(draw func(region) float64) []float64 {
	out := make([]float64, len(g.regionOf))
	for u, r := range g.regionOf {
		out[u] = draw(r)
	}
	return out
}

// ar returns a stationary AR(1) series per unit with coefficient rho and
// innovation SD sd.
func (g *generator) ar(rho, sd float64) []float64 {
	out := make([]float64, g.n)
	for i := range out {
		if g.t(i) == 0 {
			out[i] = sd / math.Sqrt(1-rho*rho) * g.rng.NormFloat64()
			continue
		}
		out[i] = rho*out[i-1] + sd*g.rng.NormFloat64()
	}
	return out
}

// control returns std(load*latent + unitSD*N_i + trend*t + AR(rho, sd) +
// level(region); mean, sd).
func (g *generator) control(latent []float64, load, unitSD, trend, rho, arSD, mean, sd float64, level func(region) float64) []float64 {
	effect := g.perUnit(func(r region) float64 {
		v := unitSD * g.rng.NormFloat64()
		if level != nil {
			v += level(r)
		}
		return v
	})
	noise := g.ar(rho, arSD)
	out := make([]float64, g.n)
	for i := range out {
		out[i] = effect[g.unit[i]] + trend*float64(g.t(i)) + noise[i]
		if latent != nil {
			out[i] += load * latent[i]
		}
	}
	return standardize(out, mean, sd)
}

// equation returns s*(effect_r + N_i) + trend*t + part(i) + sigma*e + shift,
// with s > 0 and shift chosen so that the result has the given mean and SD.
func (g *generator) equation(trend, mean, sd, sigma float64, part func(i int) float64) []float64 {
	effect := g.perUnit(func(r region) float64 { return r.effect + g.rng.NormFloat64() })
	fixed := make([]float64, g.n)
	scaled := make([]float64, g.n)
	for i := range fixed {
		fixed[i] = trend*float64(g.t(i)) + part(i) + sigma*g.rng.NormFloat64()
		scaled[i] = effect[g.unit[i]]
	}
	s := scaleFor(scaled, fixed, sd)
	out := make([]float64, g.n)
	for i := range out {
		out[i] = s*scaled[i] + fixed[i]
	}
	m, _ := meanSD(out)
	for i := range out {
		out[i] += mean - m
	}
	return out
}

// scaleFor returns the s > 0 for which s*p + r has sample SD sd. It panics
// when r alone varies more than that: the process's constants are wrong.
func scaleFor(p, r []float64, sd float64) float64 {
	vp, vr, cpr := covariance(p, p), covariance(r, r), covariance(p, r)
	disc := cpr*cpr - vp*(vr-sd*sd)
	if vr >= sd*sd || disc < 0 {
		panic("simulate: the fixed part of an equation varies more than its target SD")
	}
	return (-cpr + math.Sqrt(disc)) / vp
}

// covariance returns the sample covariance of a and b (divisor n - 1).
func covariance(a, b []float64) float64 {
	ma, _ := meanSD(a)
	mb, _ := meanSD(b)
	s := 0.0
	for i := range a {
		s += (a[i] - ma) * (b[i] - mb)
	}
	return s / float64(len(a)-1)
}

// meanSD returns the sample mean and SD (divisor n - 1).
func meanSD(v []float64) (mean, sd float64) {
	for _, x := range v {
		mean += x
	}
	mean /= float64(len(v))
	ss := 0.0
	for _, x := range v {
		ss += (x - mean) * (x - mean)
	}
	return mean, math.Sqrt(ss / float64(len(v)-1))
}

// standardize returns the affine image of v with sample mean m and SD s.
func standardize(v []float64, m, s float64) []float64 {
	mean, sd := meanSD(v)
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = m + s*(x-mean)/sd
	}
	return out
}
