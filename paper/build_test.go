package paper

import (
	"errors"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/thresher/thresher/estimators/ioc"
	"github.com/thresher/thresher/estimators/panel"
	"github.com/thresher/thresher/estimators/simulate"
)

// TestBuildPanelReproducesTheProcess checks that the PCA index of the raw
// indicators and eqs. (5)-(6) of the input-output columns give back the
// simulated lndig and lncie.
func TestBuildPanelReproducesTheProcess(t *testing.T) {
	ds := dataset(t, testSpec())
	if !slices.Equal(ds.Constructed, []string{"lncie", "lndig"}) || ds.Digital == nil {
		t.Fatalf("constructed %v, digital %v", ds.Constructed, ds.Digital != nil)
	}
	if want := []string{"province", "year", "region", "lncie", "lndig", "lnpgdp", "lnopen", "lnes", "lncap", "lnind", "lntec"}; !slices.Equal(ds.Table.Columns(), want) {
		t.Errorf("columns %v, want %v", ds.Table.Columns(), want)
	}
	truth := readCSV(t, simulate.Provinces{Seed: 1}.TruthCSV())
	for _, v := range []string{"lndig", "lncie"} {
		got, err := ds.Table.Numbers(v)
		if err != nil {
			t.Fatal(err)
		}
		want, _ := truth.Numbers(v)
		for r := range want {
			if math.Abs(got[r]-want[r]) > 1e-12 {
				t.Fatalf("%s row %d: built %.15g, process %.15g", v, r, got[r], want[r])
			}
		}
	}
}

// TestBuildPanelPassesThrough checks that present lndig and lncie columns
// are used as they are, and so are the other variables.
func TestBuildPanelPassesThrough(t *testing.T) {
	truth := readCSV(t, simulate.Provinces{Seed: 1}.TruthCSV())
	raw := editCSV(t, func(header []string, rows [][]string) ([]string, [][]string) {
		dig, _ := truth.Strings("lndig")
		cie, _ := truth.Strings("lncie")
		for r := range rows {
			rows[r] = append(rows[r], dig[r], cie[r])
		}
		return append(header, "lndig", "lncie"), rows
	})
	ds, err := BuildPanel(raw, testSpec())
	if err != nil {
		t.Fatal(err)
	}
	if len(ds.Constructed) != 0 || ds.Digital != nil {
		t.Errorf("constructed %v with the columns present", ds.Constructed)
	}
	for _, v := range []string{"lndig", "lncie", "lnpgdp", "province"} {
		got, _ := ds.Table.Strings(v)
		want, err := raw.Strings(v)
		if err != nil || !slices.Equal(got, want) {
			t.Errorf("%s is not passed through: %v", v, err)
		}
	}
}

func TestBuildPanelErrors(t *testing.T) {
	drop := func(col string) *panel.Table {
		return editCSV(t, func(header []string, rows [][]string) ([]string, [][]string) {
			j := index(t, header, col)
			for r := range rows {
				rows[r] = slices.Delete(rows[r], j, j+1)
			}
			return slices.Delete(header, j, j+1), rows
		})
	}
	set := func(edits map[string]string) *panel.Table {
		return editCSV(t, func(header []string, rows [][]string) ([]string, [][]string) {
			for col, v := range edits {
				rows[5][index(t, header, col)] = v
			}
			return header, rows
		})
	}
	spec := testSpec()
	renamed := testSpec()
	renamed.Controls = append(renamed.Controls, "lnfdi")
	cases := []struct {
		name string
		raw  *panel.Table
		spec Spec
		is   []error
		want string
	}{
		{"missing control", drop("lnpgdp"), spec, []error{panel.ErrUnknownColumn}, `unknown column "lnpgdp"`},
		{"control absent from the data", readCSV(t, provincesCSV()), renamed, []error{panel.ErrUnknownColumn}, `"lnfdi"`},
		{"missing region column", drop("region"), spec, []error{panel.ErrUnknownColumn}, `"region"`},
		{"missing indicator", drop("mobile"), spec, []error{ErrBuild, panel.ErrUnknownColumn}, `"mobile"`},
		{"missing energy column", drop("e_ser_coke"), spec, []error{ErrBuild, panel.ErrUnknownColumn}, `"e_ser_coke"`},
		{"region label outside the spec", set(map[string]string{"region": "north"}), spec, []error{ErrRegion},
			`"north" in column region, line 7`},
		{"singular input-output matrix", set(map[string]string{"a_agr_agr": "1", "a_ind_agr": "0", "a_ser_agr": "0"}), spec,
			[]error{ErrBuild, ioc.ErrSingular}, "lncie: province Beijing 2013 (line 7)"},
		{"non-numeric indicator", set(map[string]string{"software": "n/a"}), spec, []error{ErrBuild, panel.ErrNotNumeric}, "software"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := BuildPanel(c.raw, c.spec)
			for _, target := range c.is {
				if !errors.Is(err, target) {
					t.Errorf("error %v does not wrap %v", err, target)
				}
			}
			if err != nil && !strings.Contains(err.Error(), c.want) {
				t.Errorf("error %q does not mention %q", err, c.want)
			}
		})
	}
}
