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

// loadDoc parses openapi.json generically, for the structural checks.
func loadDoc(t *testing.T) map[string]any {
	t.Helper()
	var doc map[string]any
	if err := json.Unmarshal(openAPIDoc, &doc); err != nil {
		t.Fatal(err)
	}
	return doc
}

// operations yields every documented operation as "METHOD path".
func operations(doc map[string]any) map[string]map[string]any {
	out := map[string]map[string]any{}
	for path, item := range doc["paths"].(map[string]any) {
		for method, op := range item.(map[string]any) {
			if m, ok := op.(map[string]any); ok && method != "parameters" {
				out[strings.ToUpper(method)+" "+path] = m
			}
		}
	}
	return out
}

// Every documented operation answers something successful, and says
// what it answers.
func TestOpenAPIEveryOperationHas2xx(t *testing.T) {
	for name, op := range operations(loadDoc(t)) {
		resps, _ := op["responses"].(map[string]any)
		found := false
		for code, r := range resps {
			if strings.HasPrefix(code, "2") {
				found = true
				if m, _ := r.(map[string]any); m["description"] == nil && m["$ref"] == nil {
					t.Errorf("%s: %s response without a description", name, code)
				}
			}
		}
		if !found {
			t.Errorf("%s: no 2xx response", name)
		}
	}
}

// Every $ref points at something in the document.
func TestOpenAPIRefsResolve(t *testing.T) {
	doc := loadDoc(t)
	var walk func(at string, v any)
	n := 0
	walk = func(at string, v any) {
		switch v := v.(type) {
		case map[string]any:
			if ref, ok := v["$ref"].(string); ok {
				n++
				if !resolves(doc, ref) {
					t.Errorf("%s: $ref %q does not resolve", at, ref)
				}
			}
			for k, x := range v {
				walk(at+"/"+k, x)
			}
		case []any:
			for _, x := range v {
				walk(at+"[]", x)
			}
		}
	}
	walk("#", doc)
	if n < 50 {
		t.Fatalf("only %d $refs: is the walk broken?", n)
	}
	if resolves(doc, "#/components/schemas/Nope") || resolves(doc, "https://example.com/x") {
		t.Fatal("resolves accepts anything")
	}
}

func resolves(doc map[string]any, ref string) bool {
	rest, ok := strings.CutPrefix(ref, "#/")
	if !ok {
		return false
	}
	var cur any = doc
	for _, part := range strings.Split(rest, "/") {
		m, ok := cur.(map[string]any)
		if !ok {
			return false
		}
		if cur, ok = m[strings.ReplaceAll(strings.ReplaceAll(part, "~1", "/"), "~0", "~")]; !ok {
			return false
		}
	}
	return true
}

// Every {name} in a path is declared as a path parameter of each of its
// operations, and a token route names its scope (x-scope) as the route
// table does: the document tells clients which scope to ask for.
func TestOpenAPIParametersAndScopes(t *testing.T) {
	doc := loadDoc(t)
	ops := operations(doc)
	for _, rt := range (&API{}).Table() {
		op := ops[rt.Pattern]
		if op == nil {
			continue // TestOpenAPIMatchesRoutes reports it
		}
		_, path, _ := strings.Cut(rt.Pattern, " ")
		declared := map[string]bool{}
		params, _ := op["parameters"].([]any)
		for _, p := range params {
			pm, _ := p.(map[string]any)
			if ref, ok := pm["$ref"].(string); ok {
				pm = lookup(doc, ref)
			}
			if pm["in"] == "path" {
				declared[pm["name"].(string)] = true
			}
		}
		for _, seg := range strings.Split(path, "/") {
			if name, ok := strings.CutPrefix(seg, "{"); ok {
				name = strings.TrimSuffix(name, "}")
				if !declared[name] {
					t.Errorf("%s: path parameter %q not declared", rt.Pattern, name)
				}
				delete(declared, name)
			}
		}
		for name := range declared {
			t.Errorf("%s: declares path parameter %q that is not in the path", rt.Pattern, name)
		}
		scope, _ := op["x-scope"].(string)
		if !rt.Public && scope != string(rt.Action) {
			t.Errorf("%s: x-scope %q, route needs %q", rt.Pattern, scope, rt.Action)
		}
		if documented := hasKey(params, doc, "Idempotency-Key"); documented != rt.Idempotent {
			t.Errorf("%s: Idempotency-Key documented=%v, route idempotent=%v", rt.Pattern, documented, rt.Idempotent)
		}
	}
}

func lookup(doc map[string]any, ref string) map[string]any {
	var cur any = doc
	for _, part := range strings.Split(strings.TrimPrefix(ref, "#/"), "/") {
		m, _ := cur.(map[string]any)
		cur = m[part]
	}
	m, _ := cur.(map[string]any)
	return m
}

func hasKey(params []any, doc map[string]any, header string) bool {
	for _, p := range params {
		pm, _ := p.(map[string]any)
		if ref, ok := pm["$ref"].(string); ok {
			pm = lookup(doc, ref)
		}
		if pm["in"] == "header" && pm["name"] == header {
			return true
		}
	}
	return false
}
