package model

import (
	"strings"
	"testing"
)

func TestCheckLabels(t *testing.T) {
	for _, tt := range []struct {
		labels []string
		want   string // "" for valid
	}{
		{[]string{"a", "b", "", "", "qx=d"}, ""},
		{[]string{"a", "a"}, `specs 1 and 2 both have the label "a"; labels name the results and must differ`},
		{[]string{"A", "b", "a"}, `specs 1 and 3 have the labels "A" and "a", which differ only in case`},
		{[]string{"x", "x "}, `specs 2: the label "x " begins or ends with a space`},
		{[]string{" x"}, "begins or ends with a space"},
		{[]string{"two\nlines"}, `specs 1: the label "two\nlines" has a control character`},
		{[]string{"tab\there"}, "has a control character"},
		{[]string{"bad\xffutf8"}, "is not valid UTF-8"},
		{[]string{strings.Repeat("é", 64)}, ""},
		{[]string{strings.Repeat("x", 1<<20)}, `specs 1: the label "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx..." is longer than 128 bytes`},
	} {
		err := CheckLabels("specs", tt.labels)
		if tt.want == "" && err != nil || tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)) {
			t.Errorf("CheckLabels(%.40q): %v, want %q", tt.labels, err, tt.want)
		}
	}
}
