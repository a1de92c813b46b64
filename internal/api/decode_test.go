package api

import (
	"strings"
	"testing"
)

type sample struct {
	VariantID string `json:"variant_id"`
	Quantity  int    `json:"quantity"`
}

func TestDecodeRefuses(t *testing.T) {
	for name, body := range map[string]string{
		"fail/empty":          ``,
		"fail/malformed":      `{"variant_id":`,
		"fail/unknown-field":  `{"variant_id":"x","quantity":1,"admin":true}`,
		"fail/wrong-type":     `{"variant_id":"x","quantity":"1"}`,
		"fail/trailing-data":  `{"variant_id":"x"} {}`,
		"fail/trailing-junk":  `{"variant_id":"x"}x`,
		"fail/invalid-utf8":   "{\"variant_id\":\"\xff\"}",
		"fail/array":          `[1]`,
		"fail/float-quantity": `{"quantity":1.5}`,
	} {
		var s sample
		if err := decodeBytes([]byte(body), &s); err == nil || err.status != 400 {
			t.Errorf("%s: %v", name, err)
		}
	}
	var s sample
	if err := decodeBytes([]byte(` {"variant_id":"x","quantity":2} `), &s); err != nil || s.Quantity != 2 {
		t.Fatalf("valid body: %v %+v", err, s)
	}
}

// FuzzDecode: no input panics, and an error never echoes more than 200
// bytes of the input.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{`{"variant_id":"x","quantity":1}`, `{`, `{"a":1}`, "\xff", `{"quantity":1e400}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var s sample
		if err := decodeBytes(b, &s); err != nil && len(err.message) > 260 {
			t.Fatalf("message too long: %d", len(err.message))
		}
	})
}

func TestErrorMessageNeverLong(t *testing.T) {
	var s sample
	err := decodeBytes([]byte(`{"`+strings.Repeat("a", 5000)+`":1}`), &s)
	if err == nil || len(err.message) > 260 {
		t.Fatalf("%v", err)
	}
}
