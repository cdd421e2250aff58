package shortlist

import (
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"
)

func names(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("c%d", i+1)
	}
	return out
}

func TestLists(t *testing.T) {
	long := strings.Repeat("x", 100)
	cases := []struct {
		name, got, want string
	}{
		{"empty", Join(nil), ""},
		{"one", Join([]string{"a"}), "a"},
		{"all shown", Join(names(8)), "c1, c2, c3, c4, c5, c6, c7, c8"},
		{"one more is shown", Join(names(9)), "c1, c2, c3, c4, c5, c6, c7, c8, c9"},
		{"elided", Join(names(1_000_000)), "c1, c2, c3, c4, c5, c6, c7, c8, ... and 999992 more"},
		{"quoted", Quote(names(10)), `"c1", "c2", "c3", "c4", "c5", "c6", "c7", "c8", ... and 2 more`},
		{"long item", Join([]string{long}), strings.Repeat("x", 61) + "..."},
		{"long quoted item", Quote([]string{long}), `"` + strings.Repeat("x", 61) + `..."`},
		{"long item on a rune boundary", Join([]string{strings.Repeat("é", 40)}), strings.Repeat("é", 30) + "..."},
		{"values", Values([]float64{0.5, 1e-7}), "0.5, 1e-07"},
		{"many values", Values(make([]int, 100)), "0, 0, 0, 0, 0, 0, 0, 0, ... and 92 more"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.got != c.want {
				t.Errorf("got %q, want %q", c.got, c.want)
			}
		})
	}
}

func TestMessage(t *testing.T) {
	short := strings.Repeat("é", MessageBytes/2)
	if got := Message(short); got != short {
		t.Errorf("Message of %d bytes changed it", len(short))
	}
	long := "term " + strings.Repeat("L.", 50000) + "q: unknown column"
	got := Message(long)
	if len(got) > MessageBytes+64 || !strings.HasPrefix(got, "term L.L.") || !strings.HasSuffix(got, "L.q: unknown column") ||
		!strings.Contains(got, " ... [97974 bytes elided] ... ") {
		t.Errorf("Message of %d bytes = %d bytes: %.80q ... %q", len(long), len(got), got, got[len(got)-40:])
	}
	multi := strings.Repeat("é", 5000)
	if got := Message(multi); !utf8.ValidString(got) {
		t.Errorf("Message cut a rune: %q", got[len(got)-80:])
	}
}
