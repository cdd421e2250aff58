package prepared

import (
	"container/list"
	"sync"
)

// LRU is a small least-recently-used cache whose loads run once per key even
// when several tasks ask for the same key at the same time.
type LRU[V any] struct {
	mu       sync.Mutex
	capacity int
	order    *list.List // front: most recent; values *entry[V]
	index    map[string]*list.Element
}

type entry[V any] struct {
	key   string
	ready chan struct{}
	value V
	err   error
}

// NewLRU returns a cache of capacity entries.
func NewLRU[V any](capacity int) *LRU[V] {
	return &LRU[V]{capacity: capacity, order: list.New(), index: map[string]*list.Element{}}
}

// Get returns the cached value of key or loads it; hit reports whether the
// value was cached (or being loaded by another caller). A failed load is
// not cached.
func (c *LRU[V]) Get(key string, load func() (V, error)) (value V, hit bool, err error) {
	c.mu.Lock()
	if el, ok := c.index[key]; ok {
		c.order.MoveToFront(el)
		e := el.Value.(*entry[V])
		c.mu.Unlock()
		<-e.ready
		return e.value, true, e.err
	}
	e := &entry[V]{key: key, ready: make(chan struct{})}
	c.index[key] = c.order.PushFront(e)
	for c.order.Len() > c.capacity {
		old := c.order.Back()
		c.order.Remove(old)
		delete(c.index, old.Value.(*entry[V]).key)
	}
	c.mu.Unlock()

	e.value, e.err = load()
	close(e.ready)
	if e.err != nil {
		c.remove(key, e)
	}
	return e.value, false, e.err
}

// Remove forgets the loaded entry of key if stale reports that its value
// is stale, so that the next Get loads it again.
func (c *LRU[V]) Remove(key string, stale func(V) bool) {
	c.mu.Lock()
	el, ok := c.index[key]
	c.mu.Unlock()
	if !ok {
		return
	}
	e := el.Value.(*entry[V])
	<-e.ready
	if e.err == nil && stale(e.value) {
		c.remove(key, e)
	}
}

// remove forgets e if it is still the entry of key.
func (c *LRU[V]) remove(key string, e *entry[V]) {
	c.mu.Lock()
	if el, ok := c.index[key]; ok && el.Value.(*entry[V]) == e {
		c.order.Remove(el)
		delete(c.index, key)
	}
	c.mu.Unlock()
}
