package blobstore_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/thresher/thresher/cluster/blobstore"
	"github.com/thresher/thresher/internal/clustertest"
)

// stores opens one store of each driver: a directory and an S3-protocol
// server on 127.0.0.1.
func stores(t *testing.T) map[string]*blobstore.Store {
	t.Helper()
	ctx := context.Background()
	out := map[string]*blobstore.Store{}
	for name, u := range map[string]string{"file": "file://" + t.TempDir(), "s3": clustertest.S3(t)} {
		s, err := blobstore.Open(ctx, u, blobstore.Options{})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		t.Cleanup(func() { s.Close() })
		out[name] = s
	}
	return out
}

func TestPutGetDelete(t *testing.T) {
	ctx := context.Background()
	for name, s := range stores(t) {
		t.Run(name, func(t *testing.T) {
			data := bytes.Repeat([]byte("id,year,y\n1,2000,0.5\n"), 1000)
			ref, err := s.Put(ctx, "thresher/datasets", data)
			if err != nil {
				t.Fatal(err)
			}
			if ref.SHA256 != blobstore.Hash(data) || ref.Size != int64(len(data)) {
				t.Fatalf("ref %+v", ref)
			}
			if again, err := s.Put(ctx, "thresher/datasets", data); err != nil || again != ref {
				t.Fatalf("second put: %+v, %v", again, err)
			}
			if s.StoredBytes() != ref.Size {
				t.Errorf("stored %d bytes, want %d (a second put writes nothing)", s.StoredBytes(), ref.Size)
			}
			got, err := s.Get(ctx, "thresher/datasets", ref)
			if err != nil || !bytes.Equal(got, data) {
				t.Fatalf("get: %d bytes, %v", len(got), err)
			}
			if _, err := s.Get(ctx, "thresher/results", ref); !errors.Is(err, blobstore.ErrNotFound) {
				t.Errorf("get from another directory: %v, want ErrNotFound", err)
			}
			wrongSize := blobstore.Ref{SHA256: ref.SHA256, Size: ref.Size + 1}
			if _, err := s.Get(ctx, "thresher/datasets", wrongSize); !errors.Is(err, blobstore.ErrCorrupt) {
				t.Errorf("get with the wrong size: %v, want ErrCorrupt", err)
			}
			if err := s.Delete(ctx, "thresher/datasets", ref.SHA256); err != nil {
				t.Fatal(err)
			}
			if s.StoredBytes() != 0 {
				t.Errorf("%d bytes stored after delete", s.StoredBytes())
			}
			if _, err := s.Get(ctx, "thresher/datasets", ref); !errors.Is(err, blobstore.ErrNotFound) {
				t.Errorf("get after delete: %v, want ErrNotFound", err)
			}
			if err := s.Delete(ctx, "thresher/datasets", ref.SHA256); err != nil {
				t.Errorf("second delete: %v", err)
			}

			// A job's results: DeleteAll removes its directory, not a
			// neighbour's identical object.
			var refs []blobstore.Ref
			for _, dir := range []string{"thresher/jobs/a/results", "thresher/jobs/a/results", "thresher/jobs/ab/results"} {
				r, err := s.Put(ctx, dir, []byte(dir+"{}"))
				if err != nil {
					t.Fatal(err)
				}
				refs = append(refs, r)
			}
			kept, err := s.Put(ctx, "thresher/jobs/b/results", []byte("thresher/jobs/a/results{}"))
			if err != nil {
				t.Fatal(err)
			}
			if err := s.DeleteAll(ctx, "thresher/jobs/a/results"); err != nil {
				t.Fatal(err)
			}
			if _, err := s.Get(ctx, "thresher/jobs/a/results", refs[0]); !errors.Is(err, blobstore.ErrNotFound) {
				t.Errorf("a's result after DeleteAll: %v, want ErrNotFound", err)
			}
			for dir, r := range map[string]blobstore.Ref{"thresher/jobs/ab/results": refs[2], "thresher/jobs/b/results": kept} {
				if _, err := s.Get(ctx, dir, r); err != nil {
					t.Errorf("%s after deleting a's: %v", dir, err)
				}
			}
			if want := refs[2].Size + kept.Size; s.StoredBytes() != want {
				t.Errorf("stored %d bytes after DeleteAll, want %d", s.StoredBytes(), want)
			}
		})
	}
}

// TestPutChunks stores an object given in chunks of every size, empty ones
// included: its address and bytes are those of the chunks joined.
func TestPutChunks(t *testing.T) {
	ctx := context.Background()
	data := bytes.Repeat([]byte("id,year,y\n1,2000,0.5\n"), 1000)
	for name, s := range stores(t) {
		t.Run(name, func(t *testing.T) {
			for _, chunks := range [][][]byte{
				{data[:1], data[1:7], nil, data[7:4096], data[4096:]},
				{nil, data, nil},
			} {
				ref, err := s.Put(ctx, "thresher/datasets", chunks...)
				if err != nil {
					t.Fatal(err)
				}
				if ref.SHA256 != blobstore.Hash(data) || ref.Size != int64(len(data)) {
					t.Fatalf("ref %+v of %d chunks, want the joined data's", ref, len(chunks))
				}
				got, err := s.Get(ctx, "thresher/datasets", ref)
				if err != nil || !bytes.Equal(got, data) {
					t.Fatalf("get: %d bytes, %v", len(got), err)
				}
				if err := s.Delete(ctx, "thresher/datasets", ref.SHA256); err != nil {
					t.Fatal(err)
				}
			}
		})
	}
}

// TestGetVerifies alters a stored object behind the store's back: the read
// fails instead of returning other bytes.
func TestGetVerifies(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s, err := blobstore.Open(ctx, "file://"+dir+"?metadata=skip", blobstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ref, err := s.Put(ctx, "d", []byte("1,2,3\n"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "d", ref.SHA256), []byte("1,2,4\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get(ctx, "d", ref); !errors.Is(err, blobstore.ErrCorrupt) {
		t.Fatalf("got %v, want ErrCorrupt", err)
	}
}

// TestCache reads through the on-disk cache: a cached object survives its
// deletion from the store, a corrupted cache file is fetched again, and
// the cache stays within its limit.
func TestCache(t *testing.T) {
	ctx := context.Background()
	cache := t.TempDir()
	s, err := blobstore.Open(ctx, clustertest.S3(t), blobstore.Options{CacheDir: cache, CacheBytes: 250})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	a, b := bytes.Repeat([]byte("a"), 100), bytes.Repeat([]byte("b"), 200)
	refA, err := s.Put(ctx, "d", a)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get(ctx, "d", refA); err != nil {
		t.Fatal(err)
	}
	if err := s.Delete(ctx, "d", refA.SHA256); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Get(ctx, "d", refA); err != nil || !bytes.Equal(got, a) {
		t.Fatalf("cached read after delete: %q, %v", got, err)
	}
	if err := os.WriteFile(filepath.Join(cache, refA.SHA256), []byte(strings.Repeat("x", 100)), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Get(ctx, "d", refA); !errors.Is(err, blobstore.ErrNotFound) {
		t.Fatalf("corrupted cache file: %v, want the store's ErrNotFound", err)
	}
	refB, err := s.Put(ctx, "d", b)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Put(ctx, "d", a); err != nil {
		t.Fatal(err)
	}
	for _, ref := range []blobstore.Ref{refA, refB} {
		if _, err := s.Get(ctx, "d", ref); err != nil {
			t.Fatal(err)
		}
	}
	entries, err := os.ReadDir(cache)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].Name() != refB.SHA256 {
		t.Errorf("cache holds %v, want only the last read object within 250 bytes", entries)
	}
}

func TestOpenErrors(t *testing.T) {
	ctx := context.Background()
	s3 := clustertest.S3(t)
	for _, tc := range []struct{ url, want string }{
		{"gs://bucket", `must be file:///DIR or s3://BUCKET?OPTIONS, not "gs://bucket"`},
		{"file://" + filepath.Join(t.TempDir(), "missing"), "open blob store"},
		{strings.Replace(s3, "s3://"+clustertest.S3Bucket, "s3://no-such-bucket", 1), "open blob store s3://no-such-bucket"},
	} {
		if _, err := blobstore.Open(ctx, tc.url, blobstore.Options{}); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Open(%q): %v, want an error with %q", tc.url, err, tc.want)
		}
	}
}
