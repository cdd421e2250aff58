package prepared

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strings"
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
	fetch := func() (io.Reader, error) { fetches++; return strings.NewReader("id,year,y\na,1,2\n"), nil }
	var wg sync.WaitGroup
	tables := make([]*panel.Table, 8) // held: a table nobody holds may be freed
	for i := range tables {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var err error
			if tables[i], _, err = c.Dataset("sha", nil, fetch); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if fetches != 1 {
		t.Errorf("8 concurrent loads fetched %d times, want 1", fetches)
	}
	_, _, err := c.Dataset("broken", nil, func() (io.Reader, error) { return strings.NewReader("a,b\n1\n"), nil })
	var invalid InvalidError
	if !errors.As(err, &invalid) {
		t.Errorf("a dataset that does not parse: %v, want an InvalidError", err)
	}
	unavailable := errors.New("etcd unavailable")
	if _, _, err := c.Dataset("later", nil, func() (io.Reader, error) { return nil, unavailable }); err != unavailable {
		t.Errorf("failed fetch: %v", err)
	}
	if _, hit, err := c.Dataset("later", nil, fetch); hit || err != nil {
		t.Errorf("after a failed fetch: hit %v, %v; want a new load", hit, err)
	}

	table := func() (*panel.Table, error) { tab, _, err := c.Dataset("sha", nil, fetch); return tab, err }
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
	runtime.KeepAlive(tables)
}

// columnsModel keeps nothing of its table, as a prepared model keeps only
// the columns it built.
type columnsModel struct{}

func (columnsModel) Lead(context.Context, model.Runner) ([]byte, error)     { return nil, nil }
func (columnsModel) Execute(context.Context, model.Task) ([]float64, error) { return nil, nil }

type columnsSpec struct{}

func (columnsSpec) Encode() []byte                            { return []byte("columns") }
func (columnsSpec) Prepare(*panel.Table) (model.Model, error) { return columnsModel{}, nil }

// TestDatasetFreed checks that the cache holds a table only while some
// caller does: once its models are prepared and no caller holds it, it is
// freed, and read again only when asked for.
func TestDatasetFreed(t *testing.T) {
	c := New(8, 32)
	fetches := 0
	fetch := func() (io.Reader, error) { fetches++; return strings.NewReader("id,year,y\na,1,2\n"), nil }
	table := func() (*panel.Table, error) { tab, _, err := c.Dataset("sha", nil, fetch); return tab, err }
	if _, hit, err := c.Model("sha", "k", columnsSpec{}, table); hit || err != nil {
		t.Fatalf("first preparation: hit %v, %v", hit, err)
	}
	held, _, err := c.Dataset("sha", nil, fetch) // a hit, or a second fetch if a collection came first
	if err != nil {
		t.Fatal(err)
	}
	before := fetches
	runtime.GC()
	if again, hit, err := c.Dataset("sha", nil, fetch); again != held || !hit || err != nil || fetches != before {
		t.Errorf("a held table was not kept: hit %v, %v, %d fetches after %d", hit, err, fetches, before)
	}
	runtime.KeepAlive(held)
	runtime.GC() // nothing holds the table now
	if _, hit, err := c.Model("sha", "k", columnsSpec{}, table); !hit || err != nil || fetches != before {
		t.Errorf("the prepared model: hit %v, %v, %d fetches after %d; want it cached without a fetch", hit, err, fetches, before)
	}
	if _, hit, err := c.Dataset("sha", nil, fetch); hit || err != nil || fetches != before+1 {
		t.Errorf("a freed table: hit %v, %v, %d fetches after %d; want one more", hit, err, fetches, before)
	}
}

// TestCacheSchema checks that a dataset read for a schema is cached apart
// from its text and from other schemas, and keeps the schema's columns
// parsed.
func TestCacheSchema(t *testing.T) {
	c := New(8, 32)
	fetches := 0
	fetch := func() (io.Reader, error) { fetches++; return strings.NewReader("id,year,y\na,1,2\n"), nil }
	text, _, err := c.Dataset("sha", nil, fetch)
	if err != nil {
		t.Fatal(err)
	}
	schema := panel.Schema{"y": panel.AsNumber}
	parsed, hit, err := c.Dataset("sha", schema, fetch)
	if err != nil || hit || fetches != 2 {
		t.Fatalf("a schema's first load: hit %v, %d fetches, %v; want a miss", hit, fetches, err)
	}
	if y, err := parsed.Numbers("y"); err != nil || len(y) != 1 || y[0] != 2 {
		t.Errorf("the schema's column: %v, %v", y, err)
	}
	if _, err := parsed.Strings("id"); err == nil {
		t.Error("a table read for a schema kept a column outside it")
	}
	if again, hit, err := c.Dataset("sha", panel.Schema{"y": panel.AsNumber}, fetch); again != parsed || !hit || err != nil {
		t.Errorf("an equal schema: hit %v, %v; want the cached table", hit, err)
	}
	if other, hit, _ := c.Dataset("sha", panel.Schema{"y": panel.AsNumber | panel.AsPeriod}, fetch); other == parsed || hit {
		t.Error("another schema got the first one's table")
	}
	runtime.KeepAlive(text)
}
