package api

import (
	"encoding/json"
	"sort"
	"strings"
	"testing"
)

// The OpenAPI document and the route table name the same routes: a route
// missing from the document, or documented but absent, fails.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	var doc struct {
		OpenAPI string                                `json:"openapi"`
		Paths   map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(openAPIDoc, &doc); err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	if doc.OpenAPI != "3.1.0" {
		t.Fatalf("openapi = %q", doc.OpenAPI)
	}
	documented := map[string]bool{}
	for path, ops := range doc.Paths {
		for method := range ops {
			if method == "parameters" {
				continue
			}
			documented[strings.ToUpper(method)+" "+path] = true
		}
	}
	routed := map[string]bool{}
	for _, rt := range (&API{}).Table() {
		routed[rt.Pattern] = true
	}
	var missing, absent []string
	for r := range routed {
		if !documented[r] {
			missing = append(missing, r)
		}
	}
	for d := range documented {
		if !routed[d] {
			absent = append(absent, d)
		}
	}
	sort.Strings(missing)
	sort.Strings(absent)
	if len(missing) > 0 {
		t.Errorf("routes missing from openapi.json: %v", missing)
	}
	if len(absent) > 0 {
		t.Errorf("documented but not routed: %v", absent)
	}
}

// Every documented operation says who may call it: public ones declare
// "security": [] and the others the token scheme.
func TestOpenAPISecurityMatchesPublic(t *testing.T) {
	var doc struct {
		Paths map[string]map[string]struct {
			Security *[]map[string][]string `json:"security"`
		} `json:"paths"`
	}
	if err := json.Unmarshal(openAPIDoc, &doc); err != nil {
		t.Fatal(err)
	}
	for _, rt := range (&API{}).Table() {
		method, path, _ := strings.Cut(rt.Pattern, " ")
		op, ok := doc.Paths[path][strings.ToLower(method)]
		if !ok || op.Security == nil {
			t.Errorf("%s: no security declared", rt.Pattern)
			continue
		}
		if rt.Public != (len(*op.Security) == 0) {
			t.Errorf("%s: public=%v but security=%v", rt.Pattern, rt.Public, *op.Security)
		}
	}
}
