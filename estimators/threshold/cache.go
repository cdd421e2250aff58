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
	mu     sync.Mutex
	budget int
	used   int
	lru    *list.List // front: most recent; values cached
	index  map[string]*list.Element
}

func newSweepCache(budget int) *sweepCache {
	return &sweepCache{budget: budget, lru: list.New(), index: map[string]*list.Element{}}
}

func sweepKey(fixed []float64) string { return fmt.Sprint(fixed) }

func (c *sweepCache) get(fixed []float64) *sweep {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.index[sweepKey(fixed)]; ok {
		c.lru.MoveToFront(e)
		return e.Value.(cached).sweep
	}
	return nil
}

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
