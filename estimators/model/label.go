package model

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/thresher/thresher/internal/shortlist"
)

// MaxLabelBytes bounds the label of a specification (a sweep's model, a
// Monte Carlo study's estimator): labels head text reports and name
// results.
const MaxLabelBytes = 128

// CheckLabels checks the labels of a job's specifications (what names them
// in messages, e.g. "specs"): each is valid UTF-8 of at most MaxLabelBytes
// without control characters (a newline would break a report's headers)
// nor leading or trailing spaces, and no two are equal ignoring case ("A"
// and "a" would name the same result file on some systems and read as the
// same in a table). Empty labels (unlabeled specifications) are skipped.
func CheckLabels(what string, labels []string) error {
	seen := map[string]int{}
	for i, l := range labels {
		if l == "" {
			continue
		}
		problem := ""
		switch {
		case len(l) > MaxLabelBytes:
			problem = fmt.Sprintf("is longer than %d bytes", MaxLabelBytes)
		case !utf8.ValidString(l):
			problem = "is not valid UTF-8"
		case strings.IndexFunc(l, unicode.IsControl) >= 0:
			problem = "has a control character (a newline, a tab)"
		case strings.TrimSpace(l) != l:
			problem = "begins or ends with a space"
		}
		if problem != "" {
			return fmt.Errorf("%s %d: the label %s %s", what, i+1, shortlist.Quote([]string{l}), problem)
		}
		key := strings.ToLower(strings.ToUpper(l))
		if j, dup := seen[key]; dup {
			if labels[j] == l {
				return fmt.Errorf("%s %d and %d both have the label %q; labels name the results and must differ", what, j+1, i+1, l)
			}
			return fmt.Errorf("%s %d and %d have the labels %q and %q, which differ only in case; labels name the results and must differ",
				what, j+1, i+1, labels[j], l)
		}
		seen[key] = i
	}
	return nil
}
