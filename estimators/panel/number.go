package panel

import (
	"strconv"
	"strings"
)

// Numbers and periods follow one grammar, the decimal and scientific
// notation of CSV exports, and nothing else that strconv.ParseFloat accepts
// (hexadecimal, "Inf", "1_000"):
//
//	number   := sign? mantissa exponent?
//	sign     := '+' | '-'
//	mantissa := digits ('.' digits?)? | '.' digits
//	exponent := ('e' | 'E') sign? digits
//	digits   := '0'..'9' ('0'..'9')*
//
// A numeric cell is a number whose value is finite as a float64 (it is
// rounded to the nearest float64). A period is a number whose value is an
// integer below maxPeriod in absolute value, so that lag arithmetic cannot
// overflow; its value is decided from its digits, not from a rounded float.
// Variable-list terms use the same grammar, without sign, for literals.

// maxPeriodDigits bounds periods: |t| < 10^15.
const maxPeriodDigits = 15

// maxExponent saturates exponents while scanning: far beyond any float64.
const maxExponent = 1 << 30

// decimal is a scanned number: value = ±(whole digits, then fraction
// digits) × 10^scale.
type decimal struct {
	neg             bool
	whole, fraction string // the mantissa's digits before and after the point
	scale           int
}

// scanNumber returns the longest prefix of s that is a number, and its
// value; n is 0 when no prefix is.
func scanNumber(s string) (d decimal, n int) {
	i := 0
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		d.neg = s[i] == '-'
		i++
	}
	intStart := i
	for i < len(s) && isDigit(s[i]) {
		i++
	}
	intDigits := s[intStart:i]
	var fracDigits string
	if i < len(s) && s[i] == '.' {
		j := i + 1
		for j < len(s) && isDigit(s[j]) {
			j++
		}
		if fracDigits = s[i+1 : j]; intDigits != "" || fracDigits != "" {
			i = j
		}
	}
	if intDigits == "" && fracDigits == "" {
		return decimal{}, 0
	}
	d.whole, d.fraction = intDigits, fracDigits
	d.scale = -len(fracDigits)
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		j := i + 1
		neg := false
		if j < len(s) && (s[j] == '+' || s[j] == '-') {
			neg = s[j] == '-'
			j++
		}
		expStart := j
		exp := 0
		for j < len(s) && isDigit(s[j]) {
			exp = min(exp*10+int(s[j]-'0'), maxExponent)
			j++
		}
		if j > expStart {
			if neg {
				exp = -exp
			}
			d.scale += exp
			i = j
		}
	}
	return d, i
}

// parseNumber parses a numeric cell.
func parseNumber(s string) (float64, error) {
	if missingTokens[s] {
		return 0, ErrMissingValue
	}
	if _, n := scanNumber(s); n != len(s) {
		return 0, ErrNotNumeric
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil { // only a range error is left: beyond ±math.MaxFloat64
		return 0, ErrNotNumeric
	}
	return v, nil
}

// parsePeriod parses a cell of the time column.
func parsePeriod(s string) (int, error) {
	if missingTokens[s] {
		return 0, ErrMissingValue
	}
	d, n := scanNumber(s)
	if n != len(s) {
		return 0, ErrBadPeriod
	}
	digits := d.whole
	if d.fraction != "" {
		digits += d.fraction
	}
	digits = strings.TrimLeft(digits, "0")
	if digits == "" {
		return 0, nil
	}
	scale := d.scale
	for digits[len(digits)-1] == '0' {
		digits = digits[:len(digits)-1]
		scale++
	}
	if scale < 0 || len(digits)+scale > maxPeriodDigits {
		return 0, ErrBadPeriod
	}
	v, _ := strconv.Atoi(digits + strings.Repeat("0", scale)) // at most 15 digits
	if d.neg {
		v = -v
	}
	return v, nil
}
