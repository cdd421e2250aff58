package dgp

import (
	"bytes"
	"fmt"
	"strconv"

	"github.com/thresher/thresher/estimators/panel"
)

// Sample is one simulated panel: named columns of equal length, rows
// sorted by unit and period. The columns are the unit (1..n), the period,
// the outcome, the regime-independent and regime-dependent regressors in
// the design's order, and q when it is not one of the regressors.
type Sample struct {
	Names   []string
	Columns [][]float64
}

// Len returns the number of rows.
func (s *Sample) Len() int {
	if len(s.Columns) == 0 {
		return 0
	}
	return len(s.Columns[0])
}

// CSV writes the sample as CSV text with a header. The unit and period
// columns are written as integers, every other number in the shortest form
// that reads back to the same float64 (strconv 'g', -1), so the round trip
// through panel.ReadCSV is exact.
func (s *Sample) CSV() []byte {
	rows := s.Len()
	var b bytes.Buffer
	b.Grow(rows * len(s.Columns) * 20)
	for j, name := range s.Names {
		if j > 0 {
			b.WriteByte(',')
		}
		b.WriteString(name)
	}
	b.WriteByte('\n')
	buf := make([]byte, 0, 32)
	for r := range rows {
		for j, col := range s.Columns {
			if j > 0 {
				b.WriteByte(',')
			}
			if j < 2 {
				buf = strconv.AppendInt(buf[:0], int64(col[r]), 10)
			} else {
				buf = strconv.AppendFloat(buf[:0], col[r], 'g', -1, 64)
			}
			b.Write(buf)
		}
		b.WriteByte('\n')
	}
	return b.Bytes()
}

// Table returns the sample as a panel table, read from its CSV text by
// panel.ReadCSV like any user's data.
func (s *Sample) Table() (*panel.Table, error) {
	t, err := panel.ReadCSV(bytes.NewReader(s.CSV()))
	if err != nil {
		return nil, fmt.Errorf("simulated sample: %w", err)
	}
	return t, nil
}

// Column returns the column called name.
func (s *Sample) Column(name string) ([]float64, bool) {
	for j, n := range s.Names {
		if n == name {
			return s.Columns[j], true
		}
	}
	return nil, false
}
