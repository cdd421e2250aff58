package shortlist

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Shown is the number of items a list shows; longer lists end with
// "... and N more".
const Shown = 8

// ItemBytes bounds the length of one item; a longer item is cut and ends
// with "...".
const ItemBytes = 64

// Join joins the items with ", ", eliding all but the first Shown and
// shortening each to ItemBytes.
func Join(items []string) string {
	return joinN(items, len(items), clip)
}

// Quote is Join of the items written as Go string literals (%q).
func Quote(items []string) string {
	return joinN(items, len(items), func(s string) string { return fmt.Sprintf("%q", clip(s)) })
}

// Values is Join of the values formatted with %v.
func Values[T any](values []T) string {
	items := make([]string, min(len(values), Shown+1))
	for i := range items {
		items[i] = fmt.Sprint(values[i])
	}
	return joinN(items, len(values), clip)
}

// joinN joins the first items of a list of n, eliding after Shown.
func joinN(items []string, n int, format func(string) string) string {
	shown := min(n, Shown)
	if n == Shown+1 {
		shown = n // "... and 1 more" would be no shorter than the item
	}
	parts := make([]string, 0, shown+1)
	for _, s := range items[:shown] {
		parts = append(parts, format(s))
	}
	if shown < n {
		parts = append(parts, fmt.Sprintf("... and %d more", n-shown))
	}
	return strings.Join(parts, ", ")
}

// clip shortens s to at most ItemBytes bytes, on a rune boundary.
func clip(s string) string {
	if len(s) <= ItemBytes {
		return s
	}
	cut := ItemBytes - len("...")
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "..."
}

// MessageBytes bounds the length of a whole message (Message).
const MessageBytes = 2048

// Message bounds a message that may echo user input of any length (a term,
// a label, a value): a longer one keeps its start and its end, which say
// what failed and why, around "... [N bytes elided] ...".
func Message(s string) string {
	if len(s) <= MessageBytes {
		return s
	}
	head, tail := MessageBytes*3/4, MessageBytes/4
	for head > 0 && !utf8.RuneStart(s[head]) {
		head--
	}
	start := len(s) - tail
	for start < len(s) && !utf8.RuneStart(s[start]) {
		start++
	}
	return fmt.Sprintf("%s ... [%d bytes elided] ... %s", s[:head], start-head, s[start:])
}
