package waf

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"strings"
)

// albedo is the CRS test backend (github.com/coreruleset/albedo): POST
// /reflect answers with the status, headers and body the JSON asks for;
// anything else gets an empty 200.
func albedo(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || strings.TrimSuffix(r.URL.Path, "/") != "/reflect" {
		return
	}
	var spec struct {
		Status      int               `json:"status"`
		Headers     map[string]string `json:"headers"`
		Body        string            `json:"body"`
		EncodedBody string            `json:"encodedBody"`
	}
	b, err := io.ReadAll(r.Body)
	if err == nil {
		err = json.Unmarshal(b, &spec)
	}
	if err != nil || spec.Status != 0 && (spec.Status < 100 || spec.Status >= 600) {
		http.Error(w, "bad reflection spec", http.StatusBadRequest)
		return
	}
	for k, v := range spec.Headers {
		w.Header().Add(k, v)
	}
	body := spec.Body
	if body == "" && spec.EncodedBody != "" {
		d, err := base64.StdEncoding.DecodeString(spec.EncodedBody)
		if err != nil {
			http.Error(w, "bad encodedBody", http.StatusBadRequest)
			return
		}
		body = string(d)
	}
	if spec.Status == 0 {
		spec.Status = http.StatusOK
	}
	w.WriteHeader(spec.Status)
	_, _ = io.WriteString(w, body)
}
