package prepared

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"weak"

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
//
// A prepared model keeps the columns it needs, so a parsed dataset is held
// weakly: it stays while some caller uses it (a job validating or preparing
// its specifications) and is freed once none does, to be fetched and parsed
// again only if a model must be prepared again. On a large dataset the
// table would otherwise stay beside the models for the cache's lifetime.
type Cache struct {
	datasets *LRU[weak.Pointer[panel.Table]]
	models   *LRU[model.Model]
}

// New returns a cache of the given numbers of datasets and models.
func New(datasets, models int) *Cache {
	return &Cache{datasets: NewLRU[weak.Pointer[panel.Table]](datasets), models: NewLRU[model.Model](models)}
}

// Dataset returns the parsed dataset of a SHA-256 read for a schema (see
// model.SchemaOf; nil keeps the text of every column), reading its bytes
// from the reader that fetch returns on a miss; hit reports whether it was
// cached. A dataset that does not parse is an InvalidError.
func (c *Cache) Dataset(sha string, schema panel.Schema, fetch func() (io.Reader, error)) (t *panel.Table, hit bool, err error) {
	key := sha
	if schema != nil {
		key += "/" + schema.Key()
	}
	for {
		var loaded *panel.Table // the strong reference while the weak one is cached
		w, hit, err := c.datasets.Get(key, func() (weak.Pointer[panel.Table], error) {
			data, err := fetch()
			if err != nil {
				return weak.Pointer[panel.Table]{}, err
			}
			if schema != nil {
				loaded, err = panel.ReadSchema(data, schema)
			} else {
				loaded, err = panel.ReadCSV(data)
			}
			if err != nil {
				return weak.Pointer[panel.Table]{}, InvalidError{err}
			}
			return weak.Make(loaded), nil
		})
		switch {
		case err != nil:
			return nil, hit, err
		case loaded != nil:
			return loaded, false, nil
		}
		if t := w.Value(); t != nil {
			return t, true, nil
		}
		c.datasets.Remove(key, func(w weak.Pointer[panel.Table]) bool { return w.Value() == nil }) // freed: load it again
	}
}

// Model returns the model of a specification of a kind prepared on the
// dataset of a SHA-256, preparing it on a miss on the table that table
// returns; hit reports whether it was cached. A preparation error is an
// InvalidError, a panic in the kind's code included: the model is prepared
// by model.Prepare, whose Lead and Execute return a kind's panic as a
// model.PanicError, so that a job fails with it and the process lives on.
func (c *Cache) Model(sha, kind string, spec model.Spec, table func() (*panel.Table, error)) (m model.Model, hit bool, err error) {
	h := sha256.Sum256(spec.Encode())
	return c.models.Get(sha+"/"+kind+"/"+hex.EncodeToString(h[:]), func() (model.Model, error) {
		t, err := table()
		if err != nil {
			return nil, err
		}
		m, err := model.Prepare(kind, spec, t)
		if err != nil {
			return nil, InvalidError{err}
		}
		return m, nil
	})
}
