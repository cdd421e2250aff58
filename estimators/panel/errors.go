package panel

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Sentinel errors. Every error returned by this package wraps one of them and
// adds the column, line, unit or period at fault.
var (
	// ErrEmpty reports a file without a header or without data rows.
	ErrEmpty = errors.New("no data")
	// ErrHeader reports a malformed header: empty or duplicate column names.
	ErrHeader = errors.New("malformed header")
	// ErrFormat reports a CSV syntax error, a row with the wrong number of
	// fields or text that is not UTF-8.
	ErrFormat = errors.New("malformed CSV")
	// ErrUnknownColumn reports a variable list naming a column the file lacks.
	ErrUnknownColumn = errors.New("unknown column")
	// ErrMissingValue reports an empty or missing-value cell ("", ".", "NA", "NaN").
	ErrMissingValue = errors.New("missing value")
	// ErrNotNumeric reports a cell that is not a finite number in decimal
	// or scientific notation.
	ErrNotNumeric = errors.New("not a finite number in decimal or scientific notation")
	// ErrBadPeriod reports a time value that is not an integer below 10^15
	// in absolute value.
	ErrBadPeriod = errors.New("not an integer period (|t| < 10^15)")
	// ErrDuplicate reports two rows with the same unit and period.
	ErrDuplicate = errors.New("duplicate observation")
	// ErrSyntax reports a term of a variable list that cannot be parsed.
	ErrSyntax = errors.New("invalid term")
	// ErrFactorLevel reports a level of a factor variable that is not an
	// integer below 10^15 in absolute value, or a base level (ib#.) that
	// does not occur in the estimation sample.
	ErrFactorLevel = errors.New("invalid factor level")
	// ErrNotFinite reports a derived term that evaluates to NaN or an infinity.
	ErrNotFinite = errors.New("term is not finite")
	// ErrUnbalanced reports units observed in different sets of periods.
	ErrUnbalanced = errors.New("unbalanced panel")
	// ErrTooFewRows reports a sample too small for the requested model.
	ErrTooFewRows = errors.New("too few observations")
	// ErrOption marks, besides its sentinel, an error that only the data
	// reveal but that lies in an option, not in the data: a base level
	// (ib#.) that is not a level of its variable. A command line reports it
	// as a usage mistake.
	ErrOption = errors.New("the option does not fit the data")
)

// optionError is an error that also matches ErrOption.
type optionError struct{ error }

func (e optionError) Unwrap() error        { return e.error }
func (e optionError) Is(target error) bool { return target == ErrOption }

// maxQuoted bounds the bytes of a name or cell quoted in a message.
const maxQuoted = 40

// quote quotes a name or cell for a message, cut after maxQuoted bytes.
func quote(s string) string { return strconv.Quote(clip(s)) }

// clip cuts s after maxQuoted bytes (at a character boundary) and marks the
// cut with "...".
func clip(s string) string {
	if len(s) <= maxQuoted {
		return s
	}
	cut := maxQuoted
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "..."
}

// elide lists at most n names and counts the rest.
func elide(names []string, n int) string {
	var parts []string
	for _, name := range names[:min(n, len(names))] {
		parts = append(parts, clip(name))
	}
	list := strings.Join(parts, ", ")
	if rest := len(names) - len(parts); rest > 0 {
		list += fmt.Sprintf(", ... and %s more", group(rest))
	}
	return list
}

// group writes n with commas between groups of three digits.
func group(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
