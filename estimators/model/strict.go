package model

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// DecodeStrict decodes one JSON document into v, refusing unknown fields
// and trailing data: the decoding kinds use for their specifications.
func DecodeStrict(raw []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return fmt.Errorf("data after the JSON document")
	}
	return nil
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
