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
	if len(raw) > 0 && raw[0] == '[' {
		var list []float64
		if err := json.Unmarshal(raw, &list); err != nil {
			return fmt.Errorf("a number or a list of numbers: %w", err)
		}
		if len(list) == 0 {
			return fmt.Errorf("an empty list: give at least one value")
		}
		*g = list
		return nil
	}
	var v float64
	if err := json.Unmarshal(raw, &v); err != nil {
		return fmt.Errorf("a number or a list of numbers: %w", err)
	}
	*g = Grid{v}
	return nil
}

// MarshalJSON writes a single value as a number and several as a list.
func (g Grid) MarshalJSON() ([]byte, error) {
	if len(g) == 1 {
		return json.Marshal(g[0])
	}
	return json.Marshal([]float64(g))
}

// UnmarshalYAML reads a number or a list of numbers.
func (g *Grid) UnmarshalYAML(n *yaml.Node) error {
	switch n.Kind {
	case yaml.SequenceNode:
		var list []float64
		if err := n.Decode(&list); err != nil {
			return fmt.Errorf("a number or a list of numbers: %w", err)
		}
		if len(list) == 0 {
			return fmt.Errorf("line %d: an empty list: give at least one value", n.Line)
		}
		*g = list
		return nil
	case yaml.ScalarNode:
		var v float64
		if err := n.Decode(&v); err != nil {
			return fmt.Errorf("a number or a list of numbers: %w", err)
		}
		*g = Grid{v}
		return nil
	}
	return fmt.Errorf("line %d: a number or a list of numbers", n.Line)
}

// MarshalYAML writes a single value as a number and several as a list.
func (g Grid) MarshalYAML() (any, error) {
	if len(g) == 1 {
		return g[0], nil
	}
	return []float64(g), nil
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
