package dgp

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Grid is a design parameter that takes one value or a list of values;
// Expand turns a design with lists into one design per combination. In a
// spec it is written as a number (n: 100) or a list (n: [30, 100]).
type Grid []float64

// Value returns the parameter's value in an expanded design, 0 when it is
// not set.
func (g Grid) Value() float64 {
	if len(g) == 0 {
		return 0
	}
	return g[0]
}

// UnmarshalJSON reads a number or a list of numbers.
func (g *Grid) UnmarshalJSON(raw []byte) error {
	raw = bytes.TrimSpace(raw)
	return g.decode(len(raw) > 0 && raw[0] == '[', "", func(v any) error { return json.Unmarshal(raw, v) })
}

// MarshalJSON writes a single value as a number and several as a list.
func (g Grid) MarshalJSON() ([]byte, error) { return json.Marshal(g.plain()) }

// UnmarshalYAML reads a number or a list of numbers.
func (g *Grid) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.SequenceNode && n.Kind != yaml.ScalarNode {
		return fmt.Errorf("line %d: a number or a list of numbers", n.Line)
	}
	return g.decode(n.Kind == yaml.SequenceNode, fmt.Sprintf("line %d: ", n.Line), n.Decode)
}

// MarshalYAML writes a single value as a number and several as a list.
func (g Grid) MarshalYAML() (any, error) { return g.plain(), nil }

// decode sets g from a document of either format: decode decodes it into
// a *[]float64 when it is a list, else into a *float64; where prefixes the
// message of an empty list with its place in the document.
func (g *Grid) decode(list bool, where string, decode func(any) error) error {
	if !list {
		var v float64
		if err := decode(&v); err != nil {
			return fmt.Errorf("a number or a list of numbers: %w", err)
		}
		*g = Grid{v}
		return nil
	}
	var values []float64
	if err := decode(&values); err != nil {
		return fmt.Errorf("a number or a list of numbers: %w", err)
	}
	if len(values) == 0 {
		return fmt.Errorf("%san empty list: give at least one value", where)
	}
	*g = values
	return nil
}

// plain returns what a grid is written as: its single value, or the list.
func (g Grid) plain() any {
	if len(g) == 1 {
		return g[0]
	}
	return []float64(g)
}

// String writes the values as Expand's labels do: "30" or "[30 100]".
func (g Grid) String() string {
	parts := make([]string, len(g))
	for i, v := range g {
		parts[i] = strconv.FormatFloat(v, 'g', -1, 64)
	}
	if len(g) == 1 {
		return parts[0]
	}
	return "[" + strings.Join(parts, " ") + "]"
}
