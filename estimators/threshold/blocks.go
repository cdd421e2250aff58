package threshold

import (
	"iter"

	"gonum.org/v1/gonum/mat"

	"github.com/thresher/thresher/estimators/ols"
)

// blockedDesign is the size (rows x columns) above which a regression builds
// its design in blocks of blockRows rows (ols.RegressBlocks) instead of
// whole (ols.RegressBuilt): on 5 million rows a whole design of 8 columns
// takes 305 MB beside the prepared model (README, bench-memory). Hansen's
// data and every panel in testdata stay far below it, so their numbers keep
// their bits. A variable so that tests can lower it.
var blockedDesign = 1 << 22

// blockRows is the number of rows of one block of a blocked design.
const blockRows = 4096

// level returns the value of one level column at level row l.
type level func(l int) float64

// regress fits y on the transformed level columns (plus each column's grand
// mean and a constant column when withConstant), building the design with
// dense, which must return the same matrix, when it is small.
func (p *Problem) regress(levels []level, withConstant bool, dense func(dst *mat.Dense) *mat.Dense, y []float64, names []string) (*ols.Fit, error) {
	return p.regressBy(ols.RegressBlocks, levels, withConstant, dense, y, names)
}

// regressSSR is regress for a caller that reads only the fit's SSR: a
// blocked regression keeps no residuals (ols.RegressBlocksSSR).
func (p *Problem) regressSSR(levels []level, withConstant bool, dense func(dst *mat.Dense) *mat.Dense, y []float64, names []string) (*ols.Fit, error) {
	return p.regressBy(ols.RegressBlocksSSR, levels, withConstant, dense, y, names)
}

// regressBy is regress with blocked, RegressBlocks or RegressBlocksSSR, for
// a large design.
func (p *Problem) regressBy(blocked func(n, k int, rows iter.Seq[*mat.Dense], y []float64, names []string) (*ols.Fit, error),
	levels []level, withConstant bool, dense func(dst *mat.Dense) *mat.Dense, y []float64, names []string) (*ols.Fit, error) {
	cols := len(levels)
	if withConstant {
		cols++
	}
	if p.tr.Rows()*cols <= blockedDesign {
		return ols.RegressBuilt(dense, y, names)
	}
	return blocked(p.tr.Rows(), cols, p.transformedRows(levels, withConstant), y, names)
}

// transformedRows yields the rows of the design whose columns are the
// transformed levels, computed as the transform's Apply computes them (each
// unit's mean, then the differences), plus each level's grand mean and a
// constant column when withConstant, in blocks of blockRows rows.
func (p *Problem) transformedRows(levels []level, withConstant bool) iter.Seq[*mat.Dense] {
	cols := len(levels)
	var grand []float64
	if withConstant {
		cols++
		grand = make([]float64, len(levels))
		for j, f := range levels {
			sum := 0.0
			for l := range p.q {
				sum += f(l)
			}
			grand[j] = sum / float64(len(p.q))
		}
	}
	return func(yield func(*mat.Dense) bool) {
		blocks := newRowBlocks(cols, yield)
		means := make([]float64, len(levels))
		for i := range p.units {
			llo, lhi := p.tr.LevelBlock(i)
			tlo, thi := p.tr.Block(i)
			for j, f := range levels {
				mean := 0.0
				for l := llo; l < lhi; l++ {
					mean += f(l)
				}
				means[j] = mean / float64(lhi-llo)
			}
			for t := tlo; t < thi; t++ {
				row := blocks.row()
				l := llo + t - tlo
				for j, f := range levels {
					row[j] = f(l) - means[j]
					if withConstant {
						row[j] += grand[j]
					}
				}
				if withConstant {
					row[cols-1] = 1
				}
				if !blocks.next() {
					return
				}
			}
		}
		blocks.flush()
	}
}

// rowBlocks gathers rows of a design into blocks of blockRows rows and
// hands each full block to yield, reusing one buffer.
type rowBlocks struct {
	buf    *mat.Dense
	filled int
	yield  func(*mat.Dense) bool
}

func newRowBlocks(cols int, yield func(*mat.Dense) bool) *rowBlocks {
	return &rowBlocks{buf: mat.NewDense(blockRows, cols, nil), yield: yield}
}

// row is the storage of the next row to fill.
func (b *rowBlocks) row() []float64 { return b.buf.RawRowView(b.filled) }

// next counts the row just filled and yields the block once it is full; it
// reports false when yield asked to stop.
func (b *rowBlocks) next() bool {
	if b.filled++; b.filled < blockRows {
		return true
	}
	b.filled = 0
	return b.yield(b.buf)
}

// flush yields the rows of a last, partial block.
func (b *rowBlocks) flush() {
	if b.filled > 0 {
		_, cols := b.buf.Dims()
		b.yield(b.buf.Slice(0, b.filled, 0, cols).(*mat.Dense))
	}
}

// columnLevels returns the levels of the given columns.
func columnLevels(columns [][]float64) []level {
	out := make([]level, len(columns))
	for j, c := range columns {
		out[j] = func(l int) float64 { return c[l] }
	}
	return out
}

// regimeLevels returns the levels of regimeDesign's columns before its
// constant: Z, then X∘1(regime 0), ..., X∘1(regime K).
func (p *Problem) regimeLevels(sorted []float64) []level {
	out := columnLevels(p.z)
	for reg := 0; reg <= len(sorted); reg++ {
		for _, c := range p.x {
			out = append(out, func(l int) float64 {
				if p.regimeOf(p.q[l], sorted) == reg {
					return c[l]
				}
				return 0
			})
		}
	}
	return out
}

// cumulativeLevels returns the levels of designAt's columns: Z, X, then
// X∘1(q ≲ t) for each threshold t in the order given.
func (p *Problem) cumulativeLevels(thresholds []float64) []level {
	out := columnLevels(append(append([][]float64(nil), p.z...), p.x...))
	for _, t := range thresholds {
		for _, c := range p.x {
			out = append(out, func(l int) float64 {
				if p.spec.Convention.inLower(p.q[l], t) {
					return c[l]
				}
				return 0
			})
		}
	}
	return out
}

// constantRows yields the n rows [1, cols[0][r], cols[1][r], ...] in blocks
// of blockRows rows.
func constantRows(n int, cols [][]float64) iter.Seq[*mat.Dense] {
	return func(yield func(*mat.Dense) bool) {
		buf := mat.NewDense(min(n, blockRows), 1+len(cols), nil)
		for lo := 0; lo < n; lo += blockRows {
			m := min(blockRows, n-lo)
			block := buf.Slice(0, m, 0, 1+len(cols)).(*mat.Dense)
			for i := 0; i < m; i++ {
				row := block.RawRowView(i)
				row[0] = 1
				for c, col := range cols {
					row[c+1] = col[lo+i]
				}
			}
			if !yield(block) {
				return
			}
		}
	}
}
