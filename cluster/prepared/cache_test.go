package prepared

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/thresher/thresher/estimators/model"
	"github.com/thresher/thresher/estimators/panel"
)

// countingSpec prepares models that remember their table, counting
// preparations; specifications named "bad" do not prepare.
type countingSpec struct {
	name     string
	prepared *int
}

func (s countingSpec) Encode() []byte { return []byte(s.name) }

func (s countingSpec) Prepare(t *panel.Table) (model.Model, error) {
	*s.prepared++
	if s.name == "bad" {
		return nil, errors.New("column x is missing")
	}
	return tableModel{t}, nil
}

type tableModel struct{ t *panel.Table }

func (tableModel) Lead(context.Context, model.Runner) ([]byte, error)     { return nil, nil }
func (tableModel) Execute(context.Context, model.Task) ([]float64, error) { return nil, nil }

func TestCache(t *testing.T) {
	c := New(8, 32)
	fetches := 0
	fetch := func() ([]byte, error) { fetches++; return []byte("id,year,y\na,1,2\n"), nil }
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, _, err := c.Dataset("sha", fetch); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if fetches != 1 {
		t.Errorf("8 concurrent loads fetched %d times, want 1", fetches)
	}
	_, _, err := c.Dataset("broken", func() ([]byte, error) { return []byte("a,b\n1\n"), nil })
	var invalid InvalidError
	if !errors.As(err, &invalid) {
		t.Errorf("a dataset that does not parse: %v, want an InvalidError", err)
	}
	unavailable := errors.New("etcd unavailable")
	if _, _, err := c.Dataset("later", func() ([]byte, error) { return nil, unavailable }); err != unavailable {
		t.Errorf("failed fetch: %v", err)
	}
	if _, hit, err := c.Dataset("later", fetch); hit || err != nil {
		t.Errorf("after a failed fetch: hit %v, %v; want a new load", hit, err)
	}

	table := func() (*panel.Table, error) { tab, _, err := c.Dataset("sha", fetch); return tab, err }
	n := 0
	for i, tt := range []struct {
		sha, kind, spec string
		hit             bool
	}{
		{"sha", "k", "a", false}, {"sha", "k", "a", true}, {"sha", "k2", "a", false},
		{"sha", "k", "b", false}, {"sha2", "k", "a", false}, {"sha", "k", "a", true},
	} {
		m, hit, err := c.Model(tt.sha, tt.kind, countingSpec{tt.spec, &n}, table)
		if err != nil || hit != tt.hit || m == nil {
			t.Errorf("%d: Model(%s, %s, %s): hit %v, %v; want hit %v", i, tt.sha, tt.kind, tt.spec, hit, err, tt.hit)
		}
	}
	if n != 4 {
		t.Errorf("%d preparations, want 4", n)
	}
	for i := range 2 {
		_, _, err := c.Model("sha", "k", countingSpec{"bad", &n}, table)
		if !errors.As(err, &invalid) || err.Error() != "column x is missing" {
			t.Errorf("bad specification, try %d: %v", i, fmt.Sprint(err))
		}
	}
	if n != 6 {
		t.Errorf("a failed preparation was cached: %d preparations, want 6", n)
	}
}
