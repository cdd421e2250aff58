package datastore

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"

	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/thresher/thresher/cluster/keys"
)

// ChunkBytes is the size of a stored chunk.
const ChunkBytes = 1 << 20

// ErrNotFound reports a dataset that is not stored.
var ErrNotFound = errors.New("dataset not found")

// ErrTooLarge reports a dataset above the configured limit.
var ErrTooLarge = errors.New("dataset too large")

type meta struct {
	Size   int64 `json:"size"`
	Chunks int   `json:"chunks"`
}

// Hash returns the hex SHA-256 of data, a dataset's address.
func Hash(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// Put stores data and returns its address. Storing a stored dataset again
// writes nothing.
func Put(ctx context.Context, cli *clientv3.Client, prefix keys.Prefix, data []byte) (string, error) {
	return PutParts(ctx, cli, prefix, [][]byte{data})
}

// PutParts stores the dataset made of parts, one after the other (an
// upload's chunks, never joined into one copy), and returns its address.
func PutParts(ctx context.Context, cli *clientv3.Client, prefix keys.Prefix, parts [][]byte) (string, error) {
	h := sha256.New()
	size := 0
	for _, p := range parts {
		h.Write(p)
		size += len(p)
	}
	sha := hex.EncodeToString(h.Sum(nil))
	if resp, err := cli.Get(ctx, prefix.DatasetMeta(sha), clientv3.WithCountOnly()); err != nil {
		return "", fmt.Errorf("store dataset: %w", err)
	} else if resp.Count > 0 {
		return sha, nil
	}
	var z bytes.Buffer
	w := gzip.NewWriter(&z)
	for _, p := range parts {
		w.Write(p)
	}
	w.Close()
	packed := z.Bytes()
	chunks := 0
	for off := 0; off < len(packed) || chunks == 0; off += ChunkBytes {
		end := min(off+ChunkBytes, len(packed))
		if _, err := cli.Put(ctx, prefix.DatasetChunk(sha, chunks), string(packed[off:end])); err != nil {
			return "", fmt.Errorf("store dataset chunk %d: %w", chunks, err)
		}
		chunks++
	}
	m, _ := json.Marshal(meta{Size: int64(size), Chunks: chunks})
	if _, err := cli.Put(ctx, prefix.DatasetMeta(sha), string(m)); err != nil {
		return "", fmt.Errorf("store dataset: %w", err)
	}
	return sha, nil
}

// Get returns the dataset with address sha, verified against it.
func Get(ctx context.Context, cli *clientv3.Client, prefix keys.Prefix, sha string) ([]byte, error) {
	r, err := Open(ctx, cli, prefix, sha)
	if err != nil {
		return nil, err
	}
	return io.ReadAll(r)
}

// Open fetches the dataset with address sha, compressed, and returns a
// reader of its bytes, so that a caller parsing them never holds the whole
// text. The reader verifies the bytes against sha: its last Read fails if
// they do not match.
func Open(ctx context.Context, cli *clientv3.Client, prefix keys.Prefix, sha string) (io.Reader, error) {
	resp, err := cli.Get(ctx, prefix.DatasetMeta(sha))
	if err != nil {
		return nil, fmt.Errorf("load dataset %.12s: %w", sha, err)
	}
	if len(resp.Kvs) == 0 {
		return nil, fmt.Errorf("%w: %s", ErrNotFound, sha)
	}
	var m meta
	if err := json.Unmarshal(resp.Kvs[0].Value, &m); err != nil {
		return nil, fmt.Errorf("load dataset %.12s: metadata: %w", sha, err)
	}
	var packed bytes.Buffer
	for i := 0; i < m.Chunks; i++ {
		c, err := cli.Get(ctx, prefix.DatasetChunk(sha, i))
		if err != nil {
			return nil, fmt.Errorf("load dataset %.12s chunk %d: %w", sha, i, err)
		}
		if len(c.Kvs) == 0 {
			return nil, fmt.Errorf("load dataset %.12s: chunk %d missing", sha, i)
		}
		packed.Write(c.Kvs[0].Value)
	}
	r, err := gzip.NewReader(&packed)
	if err != nil {
		return nil, fmt.Errorf("load dataset %.12s: %w", sha, err)
	}
	return &verified{r: io.LimitReader(r, m.Size+1), h: sha256.New(), sha: sha}, nil
}

// verified reads a dataset and checks its SHA-256 at the end.
type verified struct {
	r   io.Reader
	h   hash.Hash
	sha string
}

func (v *verified) Read(p []byte) (int, error) {
	n, err := v.r.Read(p)
	v.h.Write(p[:n])
	if err == io.EOF && hex.EncodeToString(v.h.Sum(nil)) != v.sha {
		return n, fmt.Errorf("load dataset %.12s: content does not match its SHA-256", v.sha)
	}
	if err != nil && err != io.EOF {
		err = fmt.Errorf("load dataset %.12s: %w", v.sha, err)
	}
	return n, err
}

// Delete removes the dataset with address sha when every guard holds (for
// example, that no job references it) and reports whether it did. A
// dataset that is not stored deletes as nothing.
func Delete(ctx context.Context, cli *clientv3.Client, prefix keys.Prefix, sha string, guards ...clientv3.Cmp) (bool, error) {
	txn, err := cli.Txn(ctx).If(guards...).Then(clientv3.OpDelete(prefix.Dataset(sha), clientv3.WithPrefix())).Commit()
	if err != nil {
		return false, fmt.Errorf("delete dataset %.12s: %w", sha, err)
	}
	return txn.Succeeded, nil
}
