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
