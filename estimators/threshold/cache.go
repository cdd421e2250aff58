package threshold

import (
	"container/list"
	"fmt"
	"sync"
)

// sweepCache keeps recently used sweeps, keyed by their sorted fixed
// thresholds, within a memory budget. Later bootstrap stages condition on
// each replication's own estimates, which repeat across replications.
type cached struct {
	key   string
	sweep *sweep
}

type sweepCache struct {
	mu       sync.Mutex
	building map[string]*build // sweeps being built, so that each is built once
	budget   int
	used     int
	lru      *list.List // front: most recent; values cached
	index    map[string]*list.Element
}

// build is a sweep under construction; done closes when it is ready.
type build struct {
	done  chan struct{}
	sweep *sweep
	err   error
}

func newSweepCache(budget int) *sweepCache {
	return &sweepCache{budget: budget, lru: list.New(), index: map[string]*list.Element{}, building: map[string]*build{}}
}

// getOrBuild returns the cached sweep of the sorted thresholds fixed, or
// builds it with create. Goroutines asking for a sweep that another is
// building wait for it instead of building it again.
func (c *sweepCache) getOrBuild(fixed []float64, create func() (*sweep, error)) (*sweep, error) {
	key := sweepKey(fixed)
	c.mu.Lock()
	if e, ok := c.index[key]; ok {
		c.lru.MoveToFront(e)
		c.mu.Unlock()
		return e.Value.(cached).sweep, nil
	}
	if b, ok := c.building[key]; ok {
		c.mu.Unlock()
		<-b.done
		return b.sweep, b.err
	}
	b := &build{done: make(chan struct{})}
	c.building[key] = b
	c.mu.Unlock()

	b.sweep, b.err = create()
	c.mu.Lock()
	delete(c.building, key)
	c.mu.Unlock()
	if b.err == nil {
		c.put(fixed, b.sweep)
	}
	close(b.done)
	return b.sweep, b.err
}

func sweepKey(fixed []float64) string { return fmt.Sprint(fixed) }

// put stores the sweep of the sorted thresholds fixed.
func (c *sweepCache) put(fixed []float64, s *sweep) {
	c.mu.Lock()
	defer c.mu.Unlock()
	key := sweepKey(fixed)
	if _, ok := c.index[key]; ok {
		return
	}
	c.index[key] = c.lru.PushFront(cached{key, s})
	c.used += s.bytes()
	for c.used > c.budget && c.lru.Len() > 1 {
		old := c.lru.Back()
		c.lru.Remove(old)
		entry := old.Value.(cached)
		delete(c.index, entry.key)
		c.used -= entry.sweep.bytes()
	}
}
