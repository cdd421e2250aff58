// Package panel reads panel data sets and builds the columns a regression needs.
//
// A data set is a CSV file with a header. Two of its columns name the unit
// (individual, firm, province) and the period (an integer, e.g. a year). Every
// other column may be used in a variable list.
//
// Numeric cells are decimal numbers in plain or scientific notation and
// nothing else: an optional sign, digits with an optional fraction (".5" and
// "5." included) and an optional exponent ("1e-5", "2.5E+3"), finite as a
// float64. Hexadecimal ("0x1p3"), "Inf", digit separators ("1_000", "1,5"),
// non-ASCII digits and any other text are refused, and "", ".", "NA", "N/A",
// "NaN", "nan", "NULL" and "null" are missing values. A period is such a
// number whose value, read from its digits, is an integer below 10^15 in
// absolute value (1974, 1974.0 or 1.974e3, never 1974.0000000000001), so
// that lag arithmetic cannot overflow. Numbers in variable lists follow the
// same grammar.
//
// A NUL byte, which no text file holds, is a format error naming its line.
//
// ReadCSV streams the file and keeps only the text of the columns it is
// asked for (all by default); Build parses the cells a model uses as it
// builds the rows, so the memory of a table is about the kept text plus two
// bytes per kept cell (four where cells average more than 8 bytes).
// ReadSchema, given the columns a model uses and how (a Schema: SchemaOf a
// layout and terms), keeps no text: numbers as float64, unit labels as a
// dictionary and a 4-byte code per row, periods as 4-byte offsets (8-byte
// integers when they span more than about 2^31), with
// missing and bad cells marked so that Build returns what it returns on
// ReadCSV's table, errors included (the tests and FuzzReadCSV compare the
// two).
//
// Variable lists use Stata's notation for time-series operators and factor
// variables and a small expression language for derived terms:
//
//	x          the column x
//	L.x        x lagged one period within its unit (Stata: L.x)
//	L2.x       x lagged two periods (Stata: L2.x)
//	F.x, F2.x  x one or two periods later (a lead)
//	D.x        the difference x - L.x; D2.x = D.x - L.D.x
//	LD.x       the lag of the difference, L.x - L2.x (also DL.x, L.D.x;
//	           operators combine in any order, L2D.x = L2.x - L3.x)
//	L.q^2      the square of the lag of q
//	L.q*L.d    a product of two terms
//	(L.q)^3    parentheses group a term
//	L.q^2/100  division by a number scales a term
//	ln(x)      the natural logarithm (also log), exp, sqrt and abs of a term
//	i.year     indicators of every level of year but the lowest (whole
//	           terms only, where the model allows them: see BuildOptions)
//	ib2009.year the same with the level 2009 as the base
//
// Operators are written in either case. The lags and leads of a variable
// add up to at most 1000 periods and its differences to order 8; D.x is
// evaluated as the subtraction x - L.x, recursively. As in Stata, a lag or
// lead exists only when the unit is observed in the period exactly k
// periods earlier or later; rows where some lag does not exist are dropped
// from the estimation sample. A function outside its domain (ln of a
// non-positive value, sqrt of a negative one) is an error naming the row,
// never a dropped row: Stata would make it missing, which hides a mistake
// in the variable list more often than it helps. Missing values in a
// column that a variable list uses are errors unless the caller asks for
// listwise deletion (BuildOptions.DropMissing); non-numeric values always
// are.
//
// Build returns a Panel: units in a fixed order (numeric order when every
// unit label is an integer, string order otherwise), rows sorted by unit and
// period, and one float64 column per term. Validation errors name the
// column, row, unit or period at fault and can be matched with errors.Is
// against the sentinel errors of this package.
package panel
