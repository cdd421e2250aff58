package blobstore

import (
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"sync/atomic"

	"gocloud.dev/blob"
	_ "gocloud.dev/blob/fileblob" // file:// URLs
	_ "gocloud.dev/blob/s3blob"   // s3:// URLs
	"gocloud.dev/gcerrors"
)

// ErrNotFound reports an object that is not stored.
var ErrNotFound = errors.New("object not found")

// ErrBadURL reports a blob store URL that does not parse or names another
// scheme than file:// or s3://.
var ErrBadURL = errors.New("blob store URL must be file:///DIR or s3://BUCKET?OPTIONS")

// ErrCorrupt reports an object whose bytes do not match its Ref.
var ErrCorrupt = errors.New("object does not match its SHA-256 and size")

// Ref is what etcd keeps of an object: its address and size.
type Ref struct {
	SHA256 string `json:"sha256"`
	Size   int64  `json:"size"`
}

// Hash returns the hex SHA-256 of data, an object's address.
func Hash(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// Options configure a Store.
type Options struct {
	// CacheDir, when set, keeps the objects read in this directory, at
	// most CacheBytes of them (default 1 GiB), the least recently read
	// removed first.
	CacheDir   string
	CacheBytes int64
}

// Store is a bucket of content-addressed objects.
type Store struct {
	bucket *blob.Bucket
	cache  *diskCache
	// stored counts the bytes this process wrote less those it deleted.
	stored atomic.Int64
}

// Open opens the bucket at rawURL, file:///DIR or s3://BUCKET?OPTIONS, and
// checks that it can be reached.
func Open(ctx context.Context, rawURL string, opts Options) (*Store, error) {
	u, err := url.Parse(rawURL)
	if err != nil || u.Scheme != "file" && u.Scheme != "s3" {
		return nil, fmt.Errorf("%w, not %q", ErrBadURL, Redact(rawURL))
	}
	b, err := blob.OpenBucket(ctx, rawURL)
	if err != nil {
		return nil, fmt.Errorf("open blob store %s: %w", Redact(rawURL), err)
	}
	if ok, err := b.IsAccessible(ctx); err != nil || !ok {
		b.Close()
		if err == nil {
			err = errors.New("the bucket does not exist")
		}
		return nil, fmt.Errorf("open blob store %s: %w", Redact(rawURL), err)
	}
	return newStore(b, opts)
}

func newStore(b *blob.Bucket, opts Options) (*Store, error) {
	s := &Store{bucket: b}
	if opts.CacheDir != "" {
		if opts.CacheBytes <= 0 {
			opts.CacheBytes = 1 << 30
		}
		if err := os.MkdirAll(opts.CacheDir, 0o700); err != nil {
			s.Close()
			return nil, fmt.Errorf("blob cache: %w", err)
		}
		s.cache = &diskCache{dir: opts.CacheDir, limit: opts.CacheBytes}
	}
	return s, nil
}

// Redact returns rawURL without a password or query-string secrets, for
// messages and logs.
func Redact(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil {
		return "(unparsable URL)"
	}
	return u.Redacted()
}

func key(dir, sha string) string { return dir + "/" + sha }

// Put stores the object made of the chunks of data, in order, under dir and
// returns its Ref; an object that is stored already is not written again.
// The chunks are hashed and written one after the other, never joined, so
// storing an upload received in chunks holds no second copy of it.
func (s *Store) Put(ctx context.Context, dir string, data ...[]byte) (Ref, error) {
	sha, sum := sha256.New(), md5.New()
	var size int64
	for _, chunk := range data {
		sha.Write(chunk)
		sum.Write(chunk)
		size += int64(len(chunk))
	}
	ref := Ref{SHA256: hex.EncodeToString(sha.Sum(nil)), Size: size}
	k := key(dir, ref.SHA256)
	exists, err := s.bucket.Exists(ctx, k)
	if err != nil {
		return Ref{}, fmt.Errorf("store object %s: %w", k, err)
	}
	if exists {
		return ref, nil
	}
	if err := s.write(ctx, k, sum.Sum(nil), data); err != nil {
		return Ref{}, fmt.Errorf("store object %s: %w", k, err)
	}
	s.stored.Add(ref.Size)
	return ref, nil
}

// write writes the object k from its chunks; the store checks them against
// their MD5 (as Bucket.WriteAll does), and an object whose write failed is
// discarded, never left incomplete.
func (s *Store) write(ctx context.Context, k string, md5sum []byte, data [][]byte) error {
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	w, err := s.bucket.NewWriter(wctx, k, &blob.WriterOptions{ContentType: "application/octet-stream", ContentMD5: md5sum})
	if err != nil {
		return err
	}
	for _, chunk := range data {
		if _, err := w.Write(chunk); err != nil {
			cancel() // a cancelled writer discards what it wrote
			w.Close()
			return err
		}
	}
	return w.Close()
}

// Get returns the object ref under dir, verified against ref.
func (s *Store) Get(ctx context.Context, dir string, ref Ref) ([]byte, error) {
	if s.cache != nil {
		if data, ok := s.cache.get(ref); ok {
			return data, nil
		}
	}
	k := key(dir, ref.SHA256)
	r, err := s.bucket.NewReader(ctx, k, nil)
	if gcerrors.Code(err) == gcerrors.NotFound {
		return nil, fmt.Errorf("%w: %s", ErrNotFound, k)
	}
	if err != nil {
		return nil, fmt.Errorf("load object %s: %w", k, err)
	}
	defer r.Close()
	if r.Size() != ref.Size {
		return nil, fmt.Errorf("load object %s: %w: %d bytes stored, %d expected", k, ErrCorrupt, r.Size(), ref.Size)
	}
	data := make([]byte, ref.Size)
	if _, err := io.ReadFull(r, data); err != nil {
		return nil, fmt.Errorf("load object %s: %w", k, err)
	}
	if Hash(data) != ref.SHA256 {
		return nil, fmt.Errorf("load object %s: %w", k, ErrCorrupt)
	}
	if s.cache != nil {
		// A cache that cannot write only costs the next read a fetch.
		_ = s.cache.put(ref, data)
	}
	return data, nil
}

// Delete removes the object sha under dir; removing an object that is not
// stored is not an error.
func (s *Store) Delete(ctx context.Context, dir, sha string) error {
	k := key(dir, sha)
	attrs, err := s.bucket.Attributes(ctx, k)
	if gcerrors.Code(err) == gcerrors.NotFound {
		return nil
	}
	if err != nil {
		return fmt.Errorf("delete object %s: %w", k, err)
	}
	if err := s.bucket.Delete(ctx, k); err != nil && gcerrors.Code(err) != gcerrors.NotFound {
		return fmt.Errorf("delete object %s: %w", k, err)
	}
	s.stored.Add(-attrs.Size)
	return nil
}

// DeleteAll removes every object under dir (e.g. a deleted job's results).
func (s *Store) DeleteAll(ctx context.Context, dir string) error {
	it := s.bucket.List(&blob.ListOptions{Prefix: dir + "/"})
	for {
		obj, err := it.Next(ctx)
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("delete %s: %w", dir, err)
		}
		if err := s.bucket.Delete(ctx, obj.Key); err != nil && gcerrors.Code(err) != gcerrors.NotFound {
			return fmt.Errorf("delete object %s: %w", obj.Key, err)
		}
		s.stored.Add(-obj.Size)
	}
}

// StoredBytes returns the bytes of the objects this process stored less
// those it deleted (the gauge thresher_blob_bytes); objects written by
// other processes are not counted.
func (s *Store) StoredBytes() int64 { return s.stored.Load() }

// Close closes the bucket.
func (s *Store) Close() error { return s.bucket.Close() }
