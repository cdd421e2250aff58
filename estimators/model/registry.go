package model

import (
	"errors"
	"fmt"
	"sort"
)

// ErrUnknownKind reports a specification of a kind the registry lacks.
var ErrUnknownKind = errors.New("unknown model kind")

// Registry holds the kinds a process can run, by name.
type Registry struct {
	kinds map[string]Kind
}

// NewRegistry returns a registry of the given kinds; two kinds of the same
// name are a programming error.
func NewRegistry(kinds ...Kind) *Registry {
	r := &Registry{kinds: map[string]Kind{}}
	for _, k := range kinds {
		r.Register(k)
	}
	return r
}

// Register adds a kind. It panics when the name is empty or taken: kinds
// register once, when a process starts.
func (r *Registry) Register(k Kind) {
	name := k.Name()
	if name == "" {
		panic("model: a kind needs a name")
	}
	if _, dup := r.kinds[name]; dup {
		panic(fmt.Sprintf("model: kind %q registered twice", name))
	}
	r.kinds[name] = k
}

// Kind returns the kind of a name.
func (r *Registry) Kind(name string) (Kind, error) {
	k, ok := r.kinds[name]
	if !ok {
		return nil, fmt.Errorf("%w %q (known: %v)", ErrUnknownKind, name, r.Names())
	}
	return k, nil
}

// Decode decodes a specification of the named kind; a panic in the kind's
// decoding is returned as a PanicError.
func (r *Registry) Decode(kind string, raw []byte) (s Spec, err error) {
	k, err := r.Kind(kind)
	if err != nil {
		return nil, err
	}
	defer recoverInto(&err, fmt.Sprintf("kind %q: DecodeSpec", kind))
	return k.DecodeSpec(raw)
}

// Names returns the registered kinds' names, sorted.
func (r *Registry) Names() []string {
	names := make([]string, 0, len(r.kinds))
	for n := range r.kinds {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}
