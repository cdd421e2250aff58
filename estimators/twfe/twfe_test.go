package twfe

import (
	"encoding/json"
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/thresher/thresher/estimators/ols"
	"github.com/thresher/thresher/estimators/panel"
)

type handCase struct {
	Unit      []int32   `json:"unit"`
	Period    []int     `json:"period"`
	X         []float64 `json:"x"`
	Y         []float64 `json:"y"`
	B         float64   `json:"b"`
	SE        float64   `json:"se"`
	P         float64   `json:"p"`
	SECluster float64   `json:"se_cluster"`
	PCluster  float64   `json:"p_cluster"`
	Cons      float64   `json:"cons"`
	SSR       float64   `json:"ssr"`
	R2Within  float64   `json:"r2_within"`
	DFResid   int       `json:"df_resid"`
	DFCluster int       `json:"df_cluster"`
}

func loadHand(t *testing.T) handCase {
	t.Helper()
	raw, err := os.ReadFile("testdata/hand.json")
	if err != nil {
		t.Fatal(err)
	}
	var h handCase
	if err := json.Unmarshal(raw, &h); err != nil {
		t.Fatal(err)
	}
	return h
}

func near(a, b, tol float64) bool { return math.Abs(a-b) <= tol*math.Max(1, math.Abs(b)) }

func ftoa(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

// TestHand checks a 3 x 3 panel whose two-way fit is derived by hand in
// testdata/hand.json.
func TestHand(t *testing.T) {
	h := loadHand(t)
	res, err := Fit(h.Y, [][]float64{h.X}, []string{"x"}, h.Unit, h.Period, Options{PeriodEffects: true})
	if err != nil {
		t.Fatal(err)
	}
	c := res.Coefficients[0]
	checks := []struct {
		name      string
		got, want float64
	}{
		{"b", c.Estimate, h.B}, {"se", c.SE, h.SE}, {"p", c.P, h.P},
		{"se_cluster", c.SECluster, h.SECluster}, {"p_cluster", c.PCluster, h.PCluster},
		{"_cons", res.Constant.Estimate, h.Cons}, {"ssr", res.SSR, h.SSR}, {"r2_within", res.R2Within, h.R2Within},
	}
	for _, ch := range checks {
		if !near(ch.got, ch.want, 1e-10) {
			t.Errorf("%s = %.15g, want %.15g", ch.name, ch.got, ch.want)
		}
	}
	if res.DFResid != h.DFResid || res.DFCluster != h.DFCluster || res.NObs != 9 || res.NUnits != 3 || res.NPeriods != 3 {
		t.Errorf("df %d/%d, N %d, n %d, T %d", res.DFResid, res.DFCluster, res.NObs, res.NUnits, res.NPeriods)
	}
}

// randomPanel draws an unbalanced panel of n units over periods 2000..2007:
// every unit has period 2000 (so the period dummies are identified) and a
// random subset of the others. Rows are shuffled.
func randomPanel(rng *rand.Rand, n, k int) (y []float64, x [][]float64, unit []int32, period []int) {
	x = make([][]float64, k)
	gamma := make([]float64, 8)
	for t := range gamma {
		gamma[t] = rng.NormFloat64()
	}
	for i := 0; i < n; i++ {
		alpha := 3 * rng.NormFloat64()
		for t := 0; t < 8; t++ {
			if t > 0 && rng.IntN(3) == 0 {
				continue
			}
			unit, period = append(unit, int32(100+7*i)), append(period, 2000+t)
			v := alpha + gamma[t] + (1+float64(i%3))*rng.NormFloat64()
			for j := range x {
				xj := rng.NormFloat64() + 0.5*alpha + float64(t*j)/4
				x[j] = append(x[j], xj)
				v += float64(j+1) * 0.8 * xj
			}
			y = append(y, v)
		}
	}
	perm := rng.Perm(len(y))
	for j := range x {
		x[j] = permute(x[j], perm)
	}
	return permute(y, perm), x, permute(unit, perm), permute(period, perm)
}

// permute returns v[perm[0]], v[perm[1]], ...
func permute[T any](v []T, perm []int) []T {
	out := make([]T, len(v))
	for i, p := range perm {
		out[i] = v[p]
	}
	return out
}

// lsdv is an independent least-squares dummy-variable fit: explicit unit and
// period dummies, normal equations, and the cluster sandwich summed over
// units. It returns the slopes, their classical and clustered SEs, and the
// constant (the row-weighted mean of the unit effects) with its SEs.
func lsdv(t *testing.T, y []float64, x [][]float64, unit []int32, period []int, periodEffects bool) (b, se, seCl []float64) {
	t.Helper()
	units, group := index(unit)
	periods, pidx := index(period)
	g := len(units)
	nd := 0
	if periodEffects {
		nd = len(periods) - 1
	}
	n, k := len(y), g+nd+len(x)
	d := mat.NewDense(n, k, nil)
	for r := 0; r < n; r++ {
		d.Set(r, group[r], 1)
		if periodEffects && pidx[r] > 0 {
			d.Set(r, g+pidx[r]-1, 1)
		}
		for j := range x {
			d.Set(r, g+nd+j, x[j][r])
		}
	}
	var xtx, xtxi mat.Dense
	xtx.Mul(d.T(), d)
	if err := xtxi.Inverse(&xtx); err != nil {
		t.Fatal(err)
	}
	var coef, fitted mat.VecDense
	coef.MulVec(d.T(), mat.NewVecDense(n, y))
	coef.MulVec(&xtxi, &coef)
	fitted.MulVec(d, &coef)
	resid := make([]float64, n)
	ssr := 0.0
	for r := range resid {
		resid[r] = y[r] - fitted.AtVec(r)
		ssr += resid[r] * resid[r]
	}
	meat := mat.NewDense(k, k, nil)
	for c := 0; c < g; c++ {
		s := mat.NewVecDense(k, nil)
		for r := 0; r < n; r++ {
			if group[r] == c {
				s.AddScaledVec(s, resid[r], d.RowView(r))
			}
		}
		var outer mat.Dense
		outer.Outer(1, s, s)
		meat.Add(meat, &outer)
	}
	var cl mat.Dense
	cl.Product(&xtxi, meat, &xtxi)
	kAll := nd + len(x)
	cl.Scale(float64(g)/float64(g-1)*float64(n-1)/float64(n-kAll-1), &cl)
	var cls mat.Dense
	cls.Scale(ssr/float64(n-g-kAll), &xtxi)
	// Slopes, then the constant sum_i (T_i/N) alpha_i.
	var hs []*mat.VecDense
	for j := range x {
		h := mat.NewVecDense(k, nil)
		h.SetVec(g+nd+j, 1)
		hs = append(hs, h)
	}
	h := mat.NewVecDense(k, nil)
	for r := 0; r < n; r++ {
		h.SetVec(group[r], h.AtVec(group[r])+1/float64(n))
	}
	hs = append(hs, h)
	for _, h := range hs {
		b = append(b, mat.Dot(h, &coef))
		se = append(se, math.Sqrt(mat.Inner(h, &cls, h)))
		seCl = append(seCl, math.Sqrt(mat.Inner(h, &cl, h)))
	}
	return b, se, seCl
}

// TestAgainstLSDV compares Fit with the dummy-variable regression on random
// unbalanced panels with shuffled rows.
func TestAgainstLSDV(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	for trial := 0; trial < 20; trial++ {
		periodEffects := trial%4 != 3
		y, x, unit, period := randomPanel(rng, 4+trial%5, 1+trial%3)
		names := []string{"x1", "x2", "x3"}[:len(x)]
		res, err := Fit(y, x, names, unit, period, Options{PeriodEffects: periodEffects})
		if err != nil {
			t.Fatalf("trial %d: %v", trial, err)
		}
		b, se, seCl := lsdv(t, y, x, unit, period, periodEffects)
		coefs := append(res.Coefficients, res.Constant)
		for j, c := range coefs {
			if math.Abs(c.Estimate-b[j]) > 1e-8 {
				t.Errorf("trial %d %s: estimate %.12g, LSDV %.12g", trial, c.Name, c.Estimate, b[j])
			}
			if math.Abs(c.SE/se[j]-1) > 1e-6 || math.Abs(c.SECluster/seCl[j]-1) > 1e-6 {
				t.Errorf("trial %d %s: SE %.10g / %.10g, LSDV %.10g / %.10g", trial, c.Name, c.SE, c.SECluster, se[j], seCl[j])
			}
		}
	}
}

// TestOmittedPeriod checks that a dummy with no within variation is omitted
// and reported, and that the slopes equal the fit without the row that
// caused it: a singleton unit contributes nothing to a within regression.
func TestOmittedPeriod(t *testing.T) {
	h := loadHand(t)
	unit := append(h.Unit, 40)
	period := append(h.Period, 2011)
	res, err := Fit(append(h.Y, 3), [][]float64{append(h.X, 1)}, []string{"x"}, unit, period, Options{PeriodEffects: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.OmittedPeriods) != 1 || res.OmittedPeriods[0] != 2011 {
		t.Errorf("omitted periods %v, want [2011]", res.OmittedPeriods)
	}
	if !near(res.Coefficients[0].Estimate, h.B, 1e-12) || res.NUnits != 4 || res.NPeriods != 4 {
		t.Errorf("b = %v (want %v), %d units, %d periods", res.Coefficients[0].Estimate, h.B, res.NUnits, res.NPeriods)
	}
}

func TestErrors(t *testing.T) {
	h := loadHand(t)
	trend := make([]float64, len(h.Period))
	varying := make([]float64, len(h.Period))
	for r, p := range h.Period {
		trend[r] = float64(p - 2000)
		varying[r] = float64(r * r)
	}
	// Values whose unit means are inexact in binary: demeaning leaves
	// rounding residue, not zeros.
	unitConst := make([]float64, len(h.Unit))
	for r, u := range h.Unit {
		unitConst[r] = 0.1*float64(u) + 1.0/3
	}
	pe := Options{PeriodEffects: true}
	cases := []struct {
		name  string
		y     []float64
		x     [][]float64
		names []string
		unit  []int32
		opts  Options
		is    error
		msg   string
	}{
		{"one unit", h.Y, [][]float64{h.X}, []string{"x"}, make([]int32, 9), pe, ErrFewUnits, "fewer than 2 units in the sample"},
		{"time-invariant regressor", h.Y, [][]float64{h.X, unitConst}, []string{"x", "size"}, h.Unit, pe, ols.ErrCollinear, `regressor "size" is constant within every unit`},
		{"collinear with period dummies", h.Y, [][]float64{trend}, []string{"trend"}, h.Unit, pe, ols.ErrCollinear, `regressor "trend" is a linear combination`},
		{"collinear regressors", h.Y, [][]float64{h.X, varying, h.X}, []string{"x", "v", "x_copy"}, h.Unit, Options{}, ols.ErrCollinear, `"x_copy" is a linear combination`},
		{"no degrees of freedom", h.Y, [][]float64{h.X, varying, h.Y, unitConst}, []string{"x", "v", "w", "u"}, h.Unit, pe, ErrTooFewRows, "leave 0 residual degrees of freedom"},
		{"not finite", h.Y, [][]float64{{1, 2, 3, math.NaN(), 5, 6, 7, 8, 9}}, []string{"x"}, h.Unit, pe, ErrNotFinite, `regressor "x" is NaN in row 3`},
		{"y constant within units", unitConst, [][]float64{h.X}, []string{"x"}, h.Unit, pe, ErrDegenerate, "constant within every unit"},
		{"exact fit", h.Y, [][]float64{h.X, h.Y}, []string{"x", "y_copy"}, h.Unit, Options{}, ErrDegenerate,
			`the regressors "x", "y_copy" fit the dependent variable exactly`},
	}
	for _, c := range cases {
		_, err := Fit(c.y, c.x, c.names, c.unit, h.Period, c.opts)
		if !errors.Is(err, c.is) || !strings.Contains(err.Error(), c.msg) {
			t.Errorf("%s: error %v, want %q", c.name, err, c.msg)
		}
	}
	// Without period effects a common trend is an ordinary regressor.
	if _, err := Fit(h.Y, [][]float64{trend}, []string{"trend"}, h.Unit, h.Period, Options{}); err != nil {
		t.Errorf("trend without period effects: %v", err)
	}
}

func TestShapeMismatchPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("no panic for a short column")
		}
	}()
	Fit([]float64{1, 2}, [][]float64{{1}}, []string{"x"}, []int32{1, 2}, []int{1, 1}, Options{})
}

// TestFitPanel checks the panel convenience on the hand case written as CSV
// with shuffled rows.
func TestFitPanel(t *testing.T) {
	h := loadHand(t)
	var b strings.Builder
	b.WriteString("id,year,x,y\n")
	for _, r := range []int{4, 0, 8, 2, 6, 1, 3, 7, 5} {
		b.WriteString(strings.Join([]string{strconv.Itoa(int(h.Unit[r])), strconv.Itoa(h.Period[r]), ftoa(h.X[r]), ftoa(h.Y[r])}, ","))
		b.WriteString("\n")
	}
	tab, err := panel.ReadCSV(strings.NewReader(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	var terms []panel.Term
	for _, s := range []string{"y", "x"} {
		term, _ := panel.ParseTerm(s)
		terms = append(terms, term)
	}
	p, err := panel.Build(tab, panel.Layout{ID: "id", Time: "year"}, terms)
	if err != nil {
		t.Fatal(err)
	}
	res, err := FitPanel(p, "y", []string{"x"}, Options{PeriodEffects: true})
	if err != nil {
		t.Fatal(err)
	}
	if c, ok := res.Coefficient("x"); !ok || !near(c.Estimate, h.B, 1e-12) || !near(c.SECluster, h.SECluster, 1e-10) {
		t.Errorf("x: %+v", c)
	}
	if _, err := FitPanel(p, "y", []string{"z"}, Options{}); !errors.Is(err, panel.ErrUnknownColumn) {
		t.Errorf("unknown term: error %v", err)
	}
}
