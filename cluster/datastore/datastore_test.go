package datastore_test

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"github.com/thresher/thresher/cluster/blobstore"
	"github.com/thresher/thresher/cluster/datastore"
	"github.com/thresher/thresher/cluster/keys"
	"github.com/thresher/thresher/internal/clustertest"
)

// TestLifecycle stores, reads, repairs and deletes a dataset: etcd holds
// only its reference, an upload restores an object lost behind its
// reference (or a reference of the old chunked format), and a deleted
// dataset is not found.
func TestLifecycle(t *testing.T) {
	ctx := context.Background()
	cli, blobs := clustertest.Etcd(t), clustertest.Blobs(t)
	data := bytes.Repeat([]byte("id,t,y\n1,1,0.5\n"), 10000)
	sha, err := datastore.Put(ctx, cli, keys.Default, blobs, data)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := cli.Get(ctx, keys.Default.DatasetMeta(sha))
	if err != nil {
		t.Fatal(err)
	}
	if v := resp.Kvs[0].Value; len(v) > 100 {
		t.Errorf("etcd holds %d bytes for the dataset: %.100s", len(v), v)
	}
	get := func() ([]byte, error) { return datastore.Get(ctx, cli, keys.Default, blobs, sha) }
	if got, err := get(); err != nil || !bytes.Equal(got, data) {
		t.Fatalf("get: %d bytes, %v", len(got), err)
	}

	if err := blobs.Delete(ctx, keys.Default.DatasetObjects(), sha); err != nil {
		t.Fatal(err)
	}
	if _, err := get(); !errors.Is(err, datastore.ErrNotFound) {
		t.Fatalf("object lost: %v, want ErrNotFound", err)
	}
	if _, err := cli.Put(ctx, keys.Default.DatasetMeta(sha), `{"size":150000,"chunks":1}`); err != nil {
		t.Fatal(err)
	}
	if _, err := get(); err == nil {
		t.Fatal("a reference of the old format was read")
	}
	if _, err := datastore.Put(ctx, cli, keys.Default, blobs, data); err != nil {
		t.Fatal(err)
	}
	if got, err := get(); err != nil || !bytes.Equal(got, data) {
		t.Fatalf("get after a second upload: %d bytes, %v", len(got), err)
	}

	if deleted, err := datastore.Delete(ctx, cli, keys.Default, blobs, sha); err != nil || !deleted {
		t.Fatalf("delete: %v, %v", deleted, err)
	}
	if _, err := get(); !errors.Is(err, datastore.ErrNotFound) {
		t.Errorf("get after delete: %v, want ErrNotFound", err)
	}
	if _, err := blobs.Get(ctx, keys.Default.DatasetObjects(), blobstore.Ref{SHA256: sha, Size: int64(len(data))}); !errors.Is(err, blobstore.ErrNotFound) {
		t.Errorf("the object survived the delete: %v", err)
	}
}
