package model

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
)

// DecodeStrict decodes one JSON document into v, refusing unknown fields
// and trailing data: the decoding kinds use for their specifications.
func DecodeStrict(raw []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return plainTypeError(err)
	}
	if dec.More() {
		return fmt.Errorf("data after the JSON document")
	}
	return nil
}

// plainTypeError rewrites a value of the wrong type in the words of a
// specification file, without Go type names ("replications: want an
// integer, not the number 2.5" for "json: cannot unmarshal number 2.5 into
// Go struct field Study.replications of type int").
func plainTypeError(err error) error {
	var te *json.UnmarshalTypeError
	if !errors.As(err, &te) || te.Type == nil {
		return err
	}
	want := "a value of another type"
	switch te.Type.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		want = "an integer"
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		want = "a non-negative integer"
	case reflect.Float32, reflect.Float64:
		want = "a number"
	case reflect.String:
		want = "a text"
	case reflect.Bool:
		want = "true or false"
	case reflect.Slice, reflect.Array:
		want = "a list"
	case reflect.Struct, reflect.Map:
		want = "a mapping of keys"
	}
	got, literal, _ := strings.Cut(te.Value, " ")
	got = map[string]string{"number": "a number", "string": "a text", "bool": "true or false", "array": "a list",
		"object": "a mapping of keys"}[got]
	if literal != "" {
		got = "the number " + literal
	}
	if got == "" {
		got = te.Value
	}
	field := te.Field
	if field == "" {
		field = "the document"
	}
	return fmt.Errorf("%s: want %s, not %s", field, want, got)
}

// DecodeConfig decodes a kind's configuration with DecodeStrict and checks
// its version: *version, which decoding fills, must equal want. what names
// the configuration in the error ("threshold configuration").
func DecodeConfig(raw []byte, v any, version *int, want int, what string) error {
	if err := DecodeStrict(raw, v); err != nil {
		return fmt.Errorf("%s: %v", what, err)
	}
	if *version != want {
		return fmt.Errorf("%s version %d (want %d)", what, *version, want)
	}
	return nil
}

// EncodeCanonical encodes v as compact JSON without HTML escaping: a
// struct's fields come in their declared order, so equal values encode to
// equal bytes.
func EncodeCanonical(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}
