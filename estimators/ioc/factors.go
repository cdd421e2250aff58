package ioc

// EmissionFactor is the CO2 emitted by burning one physical unit of an
// energy source.
type EmissionFactor struct {
	// Source identifies the energy source.
	Source string `json:"source"`
	// Printed is the column heading of the paper's Table 1.
	Printed string `json:"printed"`
	// Factor is in tonnes of CO2 per Unit.
	Factor float64 `json:"factor"`
	// Unit is the physical unit of consumption.
	Unit string `json:"unit"`
}

// PaperFactors returns the CO2 emission factors of the paper's Table 1
// (after Du 2010) in the printed order, with the printed values; each call
// returns a fresh copy. The headings are garbled in the source ("coals,
// coke, diese l, gasol ine, diese l fuel, fuel oil, petroleu m") and Printed
// keeps them. Source is this package's reading: the headings de-hyphenated,
// the third (printed as diesel, like the fifth) marked by its column to keep
// identifiers unique, and the last read as natural gas. Factors are tonnes
// of CO2 per tonne, except the last: its printed unit is "ton/billion m^3",
// but 21.67 matches natural gas at about 2.17 kg CO2 per m^3, i.e. per 10^4
// m^3 (per 10^9 m^3 it would be 10^5 times too small), so its Unit is
// 10^4 m^3.
func PaperFactors() []EmissionFactor {
	const perTonne = "t"
	return []EmissionFactor{
		{Source: "coal", Printed: "coals", Factor: 1.647, Unit: perTonne},
		{Source: "coke", Printed: "coke", Factor: 2.848, Unit: perTonne},
		{Source: "diesel (3rd column)", Printed: "diese l", Factor: 3.045, Unit: perTonne},
		{Source: "gasoline", Printed: "gasol ine", Factor: 3.714, Unit: perTonne},
		{Source: "diesel fuel", Printed: "diese l fuel", Factor: 3.15, Unit: perTonne},
		{Source: "fuel oil", Printed: "fuel oil", Factor: 3.064, Unit: perTonne},
		{Source: "petroleum (natural gas)", Printed: "petroleu m", Factor: 21.67, Unit: "10^4 m^3"},
	}
}
