package paper

import (
	"bytes"
	"encoding/csv"
	"sync"
	"testing"

	"github.com/thresher/thresher/estimators/panel"
	"github.com/thresher/thresher/estimators/simulate"
)

// provincesCSV is the simulated panel every test reads (seed 1).
var provincesCSV = sync.OnceValue(func() []byte { return simulate.Provinces{Seed: 1}.CSV() })

// readCSV parses CSV text into a table.
func readCSV(t *testing.T, data []byte) *panel.Table {
	t.Helper()
	tab, err := panel.ReadCSV(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	return tab
}

// testSpec is the paper's specification with few replications.
func testSpec() Spec {
	s := DefaultSpec()
	s.Mediation.Reps = 49
	s.Threshold.Reps = 49
	s.Threshold.Grid = 60
	return s
}

// dataset builds the analysis data of the simulated panel.
func dataset(t *testing.T, spec Spec) *Dataset {
	t.Helper()
	ds, err := BuildPanel(readCSV(t, provincesCSV()), spec)
	if err != nil {
		t.Fatal(err)
	}
	return ds
}

// editCSV applies edit to the simulated panel's header and rows and
// returns the result as a table.
func editCSV(t *testing.T, edit func(header []string, rows [][]string) ([]string, [][]string)) *panel.Table {
	t.Helper()
	records, err := csv.NewReader(bytes.NewReader(provincesCSV())).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	header, rows := edit(records[0], records[1:])
	data, err := encodeCSV(header, transpose(rows))
	if err != nil {
		t.Fatal(err)
	}
	return readCSV(t, data)
}

// transpose turns rows into columns.
func transpose(rows [][]string) [][]string {
	cols := make([][]string, len(rows[0]))
	for _, r := range rows {
		for j, c := range r {
			cols[j] = append(cols[j], c)
		}
	}
	return cols
}

// index returns the position of name in header, failing the test when
// it is absent.
func index(t *testing.T, header []string, name string) int {
	t.Helper()
	for j, h := range header {
		if h == name {
			return j
		}
	}
	t.Fatalf("no column %s", name)
	return -1
}
