package model

import (
	"context"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"
)

// named is a kind with a name and nothing else.
type named string

func (n named) Name() string                    { return string(n) }
func (named) DecodeSpec([]byte) (Spec, error)   { return nil, errors.New("no specifications") }
func (named) WriteText(io.Writer, []byte) error { return nil }

func TestRegistry(t *testing.T) {
	r := NewRegistry(named("b"), named("a"))
	if got := r.Names(); !slices.Equal(got, []string{"a", "b"}) {
		t.Errorf("Names() = %v", got)
	}
	if k, err := r.Kind("a"); err != nil || k.Name() != "a" {
		t.Errorf("Kind(a) = %v, %v", k, err)
	}
	if _, err := r.Decode("c", nil); !errors.Is(err, ErrUnknownKind) || !strings.Contains(err.Error(), `"c" (known: [a b])`) {
		t.Errorf("Decode(c): %v, want ErrUnknownKind naming the known kinds", err)
	}
	for _, k := range []Kind{named("a"), named("")} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("Register(%q) did not panic", k.Name())
				}
			}()
			r.Register(k)
		}()
	}
}

func TestChunked(t *testing.T) {
	var calls [][2]int
	identity := func(a, b int) ([]float64, error) {
		calls = append(calls, [2]int{a, b})
		var v []float64
		for i := a; i < b; i++ {
			v = append(v, float64(i))
		}
		return v, nil
	}
	got, err := Chunked(context.Background(), 10, 10+2*ChunkSize+1, identity)
	if err != nil || len(got) != 2*ChunkSize+1 || got[0] != 10 || got[len(got)-1] != float64(10+2*ChunkSize) {
		t.Fatalf("Chunked = %d values, %v", len(got), err)
	}
	want := [][2]int{{10, 10 + ChunkSize}, {10 + ChunkSize, 10 + 2*ChunkSize}, {10 + 2*ChunkSize, 11 + 2*ChunkSize}}
	if !slices.Equal(calls, want) {
		t.Errorf("chunks %v, want %v", calls, want)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Chunked(ctx, 0, 5, identity); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
	boom := errors.New("boom")
	if _, err := Chunked(context.Background(), 0, 5, func(int, int) ([]float64, error) { return nil, boom }); err != boom {
		t.Errorf("failing compute: %v", err)
	}
}

func TestStrictAndCanonical(t *testing.T) {
	type doc struct {
		A int    `json:"a"`
		B string `json:"b"`
	}
	tests := []struct {
		in, err string
	}{
		{`{"a":1,"b":"x<y"}`, ""},
		{`{"a":1,"c":2}`, `unknown field "c"`},
		{`{"a":1} {"a":2}`, "data after"},
		{`{"a":"1"}`, "a: want an integer, not a text"},
		{`{"a":2.5}`, "a: want an integer, not the number 2.5"},
		{`{"b":[1]}`, "b: want a text, not a list"},
		{`{"b":{}}`, "b: want a text, not a mapping of keys"},
		{`{"a":true}`, "a: want an integer, not true or false"},
		{`[1]`, "the document: want a mapping of keys, not a list"},
	}
	for _, tt := range tests {
		var d doc
		err := DecodeStrict([]byte(tt.in), &d)
		if tt.err == "" {
			raw, _ := EncodeCanonical(d)
			if err != nil || string(raw) != tt.in {
				t.Errorf("%s: %v, re-encoded %s", tt.in, err, raw)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tt.err) || strings.Contains(err.Error(), "Go ") {
			t.Errorf("%s: %v, want %q and no Go type name", tt.in, err, tt.err)
		}
	}
}
