package panel

import "errors"

// Sentinel errors. Every error returned by this package wraps one of them and
// adds the column, line, unit or period at fault.
var (
	// ErrEmpty reports a file without a header or without data rows.
	ErrEmpty = errors.New("no data")
	// ErrHeader reports a malformed header: empty or duplicate column names.
	ErrHeader = errors.New("malformed header")
	// ErrFormat reports a CSV syntax error or a row with the wrong number of fields.
	ErrFormat = errors.New("malformed CSV")
	// ErrUnknownColumn reports a variable list naming a column the file lacks.
	ErrUnknownColumn = errors.New("unknown column")
	// ErrMissingValue reports an empty or missing-value cell ("", ".", "NA", "NaN").
	ErrMissingValue = errors.New("missing value")
	// ErrNotNumeric reports a cell that is not a finite number.
	ErrNotNumeric = errors.New("not a finite number")
	// ErrBadPeriod reports a time value that is not an integer.
	ErrBadPeriod = errors.New("period is not an integer")
	// ErrDuplicate reports two rows with the same unit and period.
	ErrDuplicate = errors.New("duplicate observation")
	// ErrSyntax reports a term of a variable list that cannot be parsed.
	ErrSyntax = errors.New("invalid term")
	// ErrNotFinite reports a derived term that evaluates to NaN or an infinity.
	ErrNotFinite = errors.New("term is not finite")
	// ErrUnbalanced reports units observed in different sets of periods.
	ErrUnbalanced = errors.New("unbalanced panel")
	// ErrTooFewRows reports a sample too small for the requested model.
	ErrTooFewRows = errors.New("too few observations")
)
