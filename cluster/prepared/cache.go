package prepared

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"

	"github.com/thresher/thresher/estimators/model"
	"github.com/thresher/thresher/estimators/panel"
)

// InvalidError wraps a dataset that does not parse or a specification
// that does not prepare on its dataset: retrying cannot fix it.
type InvalidError struct{ Err error }

func (e InvalidError) Error() string { return e.Err.Error() }
func (e InvalidError) Unwrap() error { return e.Err }

// Cache holds parsed datasets and prepared models; it is safe for
// concurrent use, and loads each entry once even when asked for it by
// several goroutines at the same time.
type Cache struct {
	datasets *LRU[*panel.Table]
	models   *LRU[model.Model]
}

// New returns a cache of the given numbers of datasets and models.
func New(datasets, models int) *Cache {
	return &Cache{datasets: NewLRU[*panel.Table](datasets), models: NewLRU[model.Model](models)}
}

// Dataset returns the parsed dataset of a SHA-256, fetching its bytes with
// fetch on a miss; hit reports whether it was cached. A dataset that does
// not parse is an InvalidError.
func (c *Cache) Dataset(sha string, fetch func() ([]byte, error)) (t *panel.Table, hit bool, err error) {
	return c.datasets.Get(sha, func() (*panel.Table, error) {
		data, err := fetch()
		if err != nil {
			return nil, err
		}
		t, err := panel.ReadCSV(bytes.NewReader(data))
		if err != nil {
			return nil, InvalidError{err}
		}
		return t, nil
	})
}

// Model returns the model of a specification of a kind prepared on the
// dataset of a SHA-256, preparing it on a miss on the table that table
// returns; hit reports whether it was cached. A preparation error is an
// InvalidError.
func (c *Cache) Model(sha, kind string, spec model.Spec, table func() (*panel.Table, error)) (m model.Model, hit bool, err error) {
	h := sha256.Sum256(spec.Encode())
	return c.models.Get(sha+"/"+kind+"/"+hex.EncodeToString(h[:]), func() (model.Model, error) {
		t, err := table()
		if err != nil {
			return nil, err
		}
		m, err := spec.Prepare(t)
		if err != nil {
			return nil, InvalidError{err}
		}
		return m, nil
	})
}
