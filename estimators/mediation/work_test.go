package mediation

import (
	"errors"
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
