package jobspec

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/thresher/thresher/estimators/panel"
)

// TestRefusal checks that a refusal carries the option's mark through a
// status, as it travels over gRPC, only for an error of an option.
func TestRefusal(t *testing.T) {
	table, err := panel.ReadCSV(strings.NewReader("id,t,x\n1,1,1\n1,2,2\n"))
	if err != nil {
		t.Fatal(err)
	}
	term, err := panel.ParseTerm("ib3.x")
	if err != nil {
		t.Fatal(err)
	}
	_, optionErr := panel.BuildWith(table, panel.Layout{ID: "id", Time: "t"}, []panel.Term{term}, panel.BuildOptions{Factors: true})
	if !errors.Is(optionErr, panel.ErrOption) {
		t.Fatalf("ib3.x of levels 1 and 2: %v, want an option error", optionErr)
	}
	for _, c := range []struct {
		name   string
		err    error
		option bool
	}{
		{"absent base level", fmt.Errorf("specification 1: %w", optionErr), true},
		{"bad data", fmt.Errorf("x: %w", panel.ErrNotNumeric), false},
		{"plain", errors.New("no"), false},
	} {
		s := Refusal(c.err)
		back := status.Convert(s.Err())
		if back.Code() != codes.InvalidArgument || back.Message() != c.err.Error() || IsOption(back) != c.option {
			t.Errorf("%s: %v %q, option %v; want InvalidArgument %q, option %v", c.name, back.Code(), back.Message(), IsOption(back), c.err, c.option)
		}
	}
}
