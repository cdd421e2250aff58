package threshold

import (
	"encoding/json"
	"fmt"
	"math"
)

// Num is a statistic that the data may leave undefined (NaN). It encodes as
// a float64 does in encoding/json, the same bytes, except that NaN encodes
// as null (and decodes from it); the text report prints NaN as ".", as
// Stata prints a missing value.
type Num float64

// MarshalJSON writes the number as encoding/json writes a float64, or null.
func (n Num) MarshalJSON() ([]byte, error) {
	if math.IsNaN(float64(n)) {
		return []byte("null"), nil
	}
	return json.Marshal(float64(n))
}

// UnmarshalJSON reads a number, or null as NaN.
func (n *Num) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*n = Num(math.NaN())
		return nil
	}
	var f float64
	if err := json.Unmarshal(b, &f); err != nil {
		return err
	}
	*n = Num(f)
	return nil
}

// Format prints the number as a float64 with the same verb, width and
// precision, and NaN as "." in the width.
func (n Num) Format(f fmt.State, verb rune) {
	if !math.IsNaN(float64(n)) {
		fmt.Fprintf(f, fmt.FormatString(f, verb), float64(n))
		return
	}
	width, _ := f.Width()
	if f.Flag('-') {
		fmt.Fprintf(f, "%-*s", width, ".")
		return
	}
	fmt.Fprintf(f, "%*s", width, ".")
}
