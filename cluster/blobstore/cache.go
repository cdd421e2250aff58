package blobstore

import (
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"
)

// diskCache keeps verified objects in a directory, one file per SHA-256,
// at most limit bytes of them; reading a file marks it recently used (its
// modification time) and eviction removes the least recently used first.
type diskCache struct {
	dir   string
	limit int64
	mu    sync.Mutex // serializes eviction
}

func (c *diskCache) path(sha string) string { return filepath.Join(c.dir, sha) }

// get returns the cached object, verified; a file that does not match is
// removed.
func (c *diskCache) get(ref Ref) ([]byte, bool) {
	p := c.path(ref.SHA256)
	data, err := os.ReadFile(p)
	if err != nil {
		return nil, false
	}
	if int64(len(data)) != ref.Size || Hash(data) != ref.SHA256 {
		os.Remove(p)
		return nil, false
	}
	now := time.Now()
	os.Chtimes(p, now, now)
	return data, true
}

// put writes an object atomically (a temporary file renamed) and evicts
// down to the limit; an object above the limit is not kept.
func (c *diskCache) put(ref Ref, data []byte) error {
	if ref.Size > c.limit {
		return nil
	}
	f, err := os.CreateTemp(c.dir, ".tmp-*")
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), c.path(ref.SHA256))
	}
	if err != nil {
		os.Remove(f.Name())
		return err
	}
	return c.evict()
}

// evict removes the least recently used objects until the rest fit the
// limit.
func (c *diskCache) evict() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	entries, err := os.ReadDir(c.dir)
	if err != nil {
		return err
	}
	type file struct {
		name string
		size int64
		used time.Time
	}
	var files []file
	var total int64
	for _, e := range entries {
		info, err := e.Info()
		if err != nil || !info.Mode().IsRegular() || len(e.Name()) != 64 {
			continue // removed meanwhile, or a temporary file being written
		}
		files = append(files, file{e.Name(), info.Size(), info.ModTime()})
		total += info.Size()
	}
	slices.SortFunc(files, func(a, b file) int { return a.used.Compare(b.used) })
	for _, f := range files {
		if total <= c.limit {
			break
		}
		if err := os.Remove(filepath.Join(c.dir, f.name)); err != nil && !os.IsNotExist(err) {
			return err
		}
		total -= f.size
	}
	return nil
}
