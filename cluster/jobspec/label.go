package jobspec

import (
	"fmt"

	pb "github.com/thresher/thresher/proto/thresherv1"
)

// Label names specification i (0-based) of a job in messages: its number
// and, when it has one, its label, e.g. "2 (qx=d)".
func Label(s *pb.Specification, i int) string {
	if s.Label != "" {
		return fmt.Sprintf("%d (%s)", i+1, s.Label)
	}
	return fmt.Sprint(i + 1)
}
