package mediation

import (
	"errors"
	"strings"
	"testing"
)

func TestWork(t *testing.T) {
	// Three equations for the point estimates, two per replication.
	if w, err := spec(10).Work(100); err != nil || w != 23*100 {
		t.Errorf("Work = %v, %v; want 2300", w, err)
	}
	if _, err := spec(1).Work(100); !errors.Is(err, ErrSpec) {
		t.Errorf("one replication: error %v", err)
	}
}

// TestDecodeSpecLevel checks that a job's level follows
// threshold.LevelFraction's range of fractions: 0 is refused on the wire
// (the Go Spec's default), as are percents and levels outside the range.
func TestDecodeSpecLevel(t *testing.T) {
	for _, c := range []struct {
		level float64
		ok    bool
	}{
		{0.95, true}, {0.1, true}, {0.9999, true},
		{0, false}, {0.01, false}, {5, false}, {95, false}, {0.99999, false}, {-0.95, false},
	} {
		raw := Config{ID: "id", Time: "t", Spec: Spec{Outcome: "y", Treatment: "x", Mediator: "m", Level: c.level}}.Encode()
		_, err := Kind{}.DecodeSpec(raw)
		if c.ok && err != nil {
			t.Errorf("level %v: %v", c.level, err)
		}
		if !c.ok && (err == nil || !strings.Contains(err.Error(), "give a fraction between 0.1 and 0.9999")) {
			t.Errorf("level %v: error %v, want the level's range", c.level, err)
		}
	}
}
