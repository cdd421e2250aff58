package dgp

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// TestGridDecode reads a grid parameter from JSON and from YAML: a number,
// a list, and the refusals of an empty list and of what is not a number.
func TestGridDecode(t *testing.T) {
	for _, c := range []struct {
		name, json, yaml string
		want             Grid
		err              string // a part of the error of both formats
	}{
		{name: "number", json: `7`, yaml: `7`, want: Grid{7}},
		{name: "list", json: `[30, 100]`, yaml: `[30, 100]`, want: Grid{30, 100}},
		{name: "block list", json: ` [ 0.5 ] `, yaml: "\n  - 0.5", want: Grid{0.5}},
		{name: "empty list", json: `[]`, yaml: `[]`, err: "an empty list: give at least one value"},
		{name: "text", json: `"a"`, yaml: `a`, err: "a number or a list of numbers"},
		{name: "list of text", json: `["a"]`, yaml: `[a]`, err: "a number or a list of numbers"},
		{name: "mapping", json: `{"a": 1}`, yaml: `{a: 1}`, err: "a number or a list of numbers"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var fromJSON, fromYAML struct{ N Grid }
			errJSON := json.Unmarshal([]byte(`{"N": `+c.json+`}`), &fromJSON)
			errYAML := yaml.Unmarshal([]byte("n: "+c.yaml), &struct {
				N *Grid `yaml:"n"`
			}{&fromYAML.N})
			for format, err := range map[string]error{"json": errJSON, "yaml": errYAML} {
				switch {
				case c.err == "" && err != nil:
					t.Errorf("%s: %v", format, err)
				case c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err)):
					t.Errorf("%s: error %v, want one with %q", format, err, c.err)
				}
			}
			if !slices.Equal(fromJSON.N, c.want) || !slices.Equal(fromYAML.N, c.want) {
				t.Errorf("json %v, yaml %v, want %v", fromJSON.N, fromYAML.N, c.want)
			}
		})
	}
}

// TestGridEncode writes a single value as a number and several as a list,
// in both formats.
func TestGridEncode(t *testing.T) {
	for _, c := range []struct {
		grid       Grid
		json, yaml string
	}{
		{Grid{7}, `7`, "7\n"},
		{Grid{30, 100}, `[30,100]`, "- 30\n- 100\n"},
	} {
		j, err := json.Marshal(c.grid)
		if err != nil || string(j) != c.json {
			t.Errorf("json of %v: %s, %v; want %s", c.grid, j, err, c.json)
		}
		y, err := yaml.Marshal(c.grid)
		if err != nil || string(y) != c.yaml {
			t.Errorf("yaml of %v: %q, %v; want %q", c.grid, y, err, c.yaml)
		}
	}
}
