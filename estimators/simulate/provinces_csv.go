package simulate

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/thresher/thresher/internal/outfile"
)

// ProvinceColumns returns the header of provinces.csv, one row per
// province-year:
//
//	province, year, region    province name, 2008..2020, east|central|west
//	broadband ... finance     the raw digital indicators (ProvinceIndicators)
//	lnpgdp, lnopen, lnes,     the controls: log GDP per capita, log of trade
//	lncap                     over GDP, log coal share of energy use, log fixed
//	                          capital per capita
//	lnind, lntec              the mediators: log ratio of tertiary to secondary
//	                          value added, log total factor productivity
//	a_<i>_<j>                 technical coefficient: input from sector i per
//	                          unit of output of sector j (sectors agr, ind, ser)
//	x_<i>, ex_<i>             sector i's output and exports, million yuan
//	e_<i>_<k>                 sector i's use of energy source k (coal, coke,
//	                          diesel, gasoline, diesel_fuel, fuel_oil: tonnes;
//	                          natural_gas: 10^4 m^3), the sources of the paper's
//	                          Table 1 in the order of ioc.PaperFactors
//
// Numbers are written in the shortest form that reads back to the same
// float64, so the pipeline's reconstruction is exact to rounding.
func ProvinceColumns() []string {
	cols := []string{"province", "year", "region"}
	for _, ind := range ProvinceIndicators() {
		cols = append(cols, ind.Column)
	}
	cols = append(cols, "lnpgdp", "lnopen", "lnes", "lncap", "lnind", "lntec")
	sectors := ProvinceSectors()
	for _, i := range sectors {
		for _, j := range sectors {
			cols = append(cols, "a_"+i+"_"+j)
		}
	}
	for _, prefix := range []string{"x_", "ex_"} {
		for _, i := range sectors {
			cols = append(cols, prefix+i)
		}
	}
	for _, i := range sectors {
		for _, k := range ProvinceSources() {
			cols = append(cols, "e_"+i+"_"+k)
		}
	}
	return cols
}

// CSV returns provinces.csv: the columns of ProvinceColumns, one row per
// province-year.
func (c Provinces) CSV() []byte {
	var b bytes.Buffer
	b.WriteString(strings.Join(ProvinceColumns(), ",") + "\n")
	for _, r := range c.Generate() {
		values := slices.Concat(r.Indicators[:], []float64{r.LnPGDP, r.LnOpen, r.LnES, r.LnCap, r.LnInd, r.LnTec})
		for i := range r.IO.A {
			values = append(values, r.IO.A[i][:]...)
		}
		values = append(values, r.IO.Output[:]...)
		values = append(values, r.IO.Exports[:]...)
		for i := range r.IO.Energy {
			values = append(values, r.IO.Energy[i][:]...)
		}
		writeRow(&b, []string{r.Province, strconv.Itoa(r.Year), r.Region}, values)
	}
	return b.Bytes()
}

// TruthCSV returns provinces_truth.csv, with header province,year,lndig,lncie:
// the treatment and outcome of the process, which the pipeline rebuilds
// from the raw inputs of provinces.csv.
func (c Provinces) TruthCSV() []byte {
	var b bytes.Buffer
	b.WriteString("province,year,lndig,lncie\n")
	for _, r := range c.Generate() {
		writeRow(&b, []string{r.Province, strconv.Itoa(r.Year)}, []float64{r.LnDig, r.LnCIE})
	}
	return b.Bytes()
}

// writeRow writes a CSV row of text fields followed by numbers.
func writeRow(b *bytes.Buffer, fields []string, values []float64) {
	b.WriteString(strings.Join(fields, ","))
	for _, v := range values {
		b.WriteByte(',')
		b.WriteString(strconv.FormatFloat(v, 'f', -1, 64))
	}
	b.WriteByte('\n')
}

// Write creates dir if needed and writes provinces.csv and
// provinces_truth.csv into it with package outfile (a regular file is
// replaced atomically, a device or FIFO written through).
func (c Provinces) Write(ctx context.Context, dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("simulate provinces: %w", err)
	}
	files := []struct {
		name string
		data []byte
	}{{"provinces.csv", c.CSV()}, {"provinces_truth.csv", c.TruthCSV()}}
	for _, f := range files {
		if err := outfile.Write(ctx, filepath.Join(dir, f.name), f.data, outfile.Perm); err != nil {
			return fmt.Errorf("simulate provinces: %w", err)
		}
	}
	return nil
}
