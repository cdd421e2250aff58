package jobspec

import (
	"errors"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/thresher/thresher/estimators/panel"
)

// The ErrorInfo of a refused specification whose fault lies in an option
// that the data refuse (panel.ErrOption), not in the data: a client reports
// it as a usage mistake.
const (
	RefusalDomain = "thresher"
	OptionReason  = "OPTION"
)

// ErrOption matches a refusal that carries OptionReason (IsOption).
var ErrOption = errors.New("an option does not fit the data")

// Refusal returns the status of a specification the coordinator refuses:
// InvalidArgument with err's message and, when err lies in an option, the
// ErrorInfo of OptionReason.
func Refusal(err error) *status.Status {
	s := status.New(codes.InvalidArgument, err.Error())
	if !errors.Is(err, panel.ErrOption) {
		return s
	}
	if d, derr := s.WithDetails(&errdetails.ErrorInfo{Reason: OptionReason, Domain: RefusalDomain}); derr == nil {
		return d
	}
	return s
}

// IsOption reports whether a refusal carries the ErrorInfo of OptionReason.
func IsOption(s *status.Status) bool {
	for _, d := range s.Details() {
		if info, ok := d.(*errdetails.ErrorInfo); ok && info.Reason == OptionReason && info.Domain == RefusalDomain {
			return true
		}
	}
	return false
}
