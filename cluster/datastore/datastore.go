package datastore

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/thresher/thresher/cluster/blobstore"
	"github.com/thresher/thresher/cluster/keys"
)

// ErrNotFound reports a dataset that is not stored.
var ErrNotFound = errors.New("dataset not found")

// ErrTooLarge reports a dataset above the configured limit.
var ErrTooLarge = errors.New("dataset too large")

// Put stores the dataset made of the chunks of data, in order, and returns
// its address. Storing a stored dataset again writes nothing; an object
// missing behind its reference, or a reference of another format, is
// stored again.
func Put(ctx context.Context, cli *clientv3.Client, prefix keys.Prefix, blobs *blobstore.Store, data ...[]byte) (string, error) {
	ref, err := blobs.Put(ctx, prefix.DatasetObjects(), data...)
	if err != nil {
		return "", fmt.Errorf("store dataset: %w", err)
	}
	m, _ := json.Marshal(ref)
	key := prefix.DatasetMeta(ref.SHA256)
	if _, err := cli.Txn(ctx).If(clientv3.Compare(clientv3.Value(key), "=", string(m))).
		Else(clientv3.OpPut(key, string(m))).Commit(); err != nil {
		return "", fmt.Errorf("store dataset: %w", err)
	}
	return ref.SHA256, nil
}

// Get returns the dataset with address sha, verified against it.
func Get(ctx context.Context, cli *clientv3.Client, prefix keys.Prefix, blobs *blobstore.Store, sha string) ([]byte, error) {
	resp, err := cli.Get(ctx, prefix.DatasetMeta(sha))
	if err != nil {
		return nil, fmt.Errorf("load dataset %.12s: %w", sha, err)
	}
	if len(resp.Kvs) == 0 {
		return nil, fmt.Errorf("%w: %s", ErrNotFound, sha)
	}
	var ref blobstore.Ref
	if err := json.Unmarshal(resp.Kvs[0].Value, &ref); err != nil || ref.SHA256 != sha {
		return nil, fmt.Errorf("load dataset %.12s: reference %q is not this dataset's", sha, resp.Kvs[0].Value)
	}
	data, err := blobs.Get(ctx, prefix.DatasetObjects(), ref)
	if errors.Is(err, blobstore.ErrNotFound) {
		return nil, fmt.Errorf("%w: %s: its object is missing from the blob store "+
			"(do all coordinators and workers use the same --blob-url?)", ErrNotFound, sha)
	}
	if err != nil {
		return nil, fmt.Errorf("load dataset %.12s: %w", sha, err)
	}
	return data, nil
}

// Delete removes the dataset with address sha, its reference and then its
// object, when every guard holds (for example, that no job references it),
// and reports whether it did. A dataset that is not stored deletes as
// nothing. An upload that races the deletion may find its reference without
// an object; uploading again stores the object again (Put).
func Delete(ctx context.Context, cli *clientv3.Client, prefix keys.Prefix, blobs *blobstore.Store, sha string, guards ...clientv3.Cmp) (bool, error) {
	txn, err := cli.Txn(ctx).If(guards...).Then(clientv3.OpDelete(prefix.Dataset(sha), clientv3.WithPrefix())).Commit()
	if err != nil {
		return false, fmt.Errorf("delete dataset %.12s: %w", sha, err)
	}
	if !txn.Succeeded {
		return false, nil
	}
	if err := blobs.Delete(ctx, prefix.DatasetObjects(), sha); err != nil {
		return true, fmt.Errorf("delete dataset %.12s: %w", sha, err)
	}
	return true, nil
}

// Open returns a reader of the dataset with address sha, verified against
// it (see Get).
func Open(ctx context.Context, cli *clientv3.Client, prefix keys.Prefix, blobs *blobstore.Store, sha string) (io.Reader, error) {
	data, err := Get(ctx, cli, prefix, blobs, sha)
	if err != nil {
		return nil, err
	}
	return bytes.NewReader(data), nil
}
