package waf

// This file reads the CRS regression tests: go-ftw's YAML format (schema
// v2, the subset the CRS uses), parsed strictly so that a field we do not
// understand fails the run instead of being silently ignored.

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"io/fs"
	"maps"
	"net/url"
	"os"
	"path"
	"slices"
	"strconv"
	"strings"
	"text/template"

	"github.com/goccy/go-yaml"
)

// crsTestdata is the copy of the CRS regression suite (with its LICENSE).
const crsTestdata = "../../../testdata/crs-regression"

type ftwFile struct {
	Meta struct {
		Author      string `yaml:"author"`
		Description string `yaml:"description"`
	} `yaml:"meta"`
	// Author at the top level is a slip in 932271.yaml (meta left empty);
	// go-ftw ignores unknown fields, this parser names the one it allows.
	Author string    `yaml:"author"`
	RuleID int       `yaml:"rule_id"`
	Tests  []ftwTest `yaml:"tests"`
}

type ftwTest struct {
	TestID int        `yaml:"test_id"`
	Desc   string     `yaml:"desc"`
	Stages []ftwStage `yaml:"stages"`
}

type ftwStage struct {
	Input  ftwInput  `yaml:"input"`
	Output ftwOutput `yaml:"output"`
}

type ftwInput struct {
	DestAddr            string            `yaml:"dest_addr"`
	Port                int               `yaml:"port"`
	Method              *string           `yaml:"method"`
	URI                 *string           `yaml:"uri"`
	Version             *string           `yaml:"version"`
	Headers             map[string]string `yaml:"headers"`
	Data                *string           `yaml:"data"`
	EncodedRequest      string            `yaml:"encoded_request"`
	AutocompleteHeaders *bool             `yaml:"autocomplete_headers"`
}

type ftwOutput struct {
	Status      int  `yaml:"status"`
	ExpectError bool `yaml:"expect_error"`
	RetryOnce   bool `yaml:"retry_once"`
	Log         struct {
		ExpectIDs    []int  `yaml:"expect_ids"`
		NoExpectIDs  []int  `yaml:"no_expect_ids"`
		MatchRegex   string `yaml:"match_regex"`
		NoMatchRegex string `yaml:"no_match_regex"`
	} `yaml:"log"`
}

// crsCase is one test, ready to send: it passes when every stage does.
// Stages are independent requests (the CRS suite saves no cookies).
type crsCase struct {
	ID      string // "942100-3", the key of the ignore list
	File    string // rule file directory, e.g. REQUEST-942-APPLICATION-ATTACK-SQLI
	Inbound bool   // false for RESPONSE-* files
	Stages  []crsStage
}

type crsStage struct {
	Method string
	Raw    []byte
	Output ftwOutput
}

// loadCRSCases parses every .yaml and .yml file under dir/tests.
func loadCRSCases(dir string) ([]crsCase, error) {
	root := os.DirFS(dir)
	var cases []crsCase
	err := fs.WalkDir(root, "tests", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !(strings.HasSuffix(p, ".yaml") || strings.HasSuffix(p, ".yml")) {
			return err
		}
		b, err := fs.ReadFile(root, p)
		if err != nil {
			return err
		}
		var f ftwFile
		if err := yaml.UnmarshalWithOptions(b, &f, yaml.DisallowUnknownField()); err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
		group := path.Base(path.Dir(p))
		for _, tc := range f.Tests {
			c := crsCase{
				ID:      fmt.Sprintf("%d-%d", f.RuleID, tc.TestID),
				File:    group,
				Inbound: strings.HasPrefix(group, "REQUEST-"),
			}
			if len(tc.Stages) == 0 {
				return fmt.Errorf("%s: test %d has no stages", p, tc.TestID)
			}
			for _, st := range tc.Stages {
				raw, err := buildRequest(st.Input)
				if err != nil {
					return fmt.Errorf("%s: test %d: %w", p, tc.TestID, err)
				}
				method := "GET"
				if st.Input.Method != nil {
					method = *st.Input.Method
				}
				c.Stages = append(c.Stages, crsStage{Method: method, Raw: raw, Output: st.Output})
			}
			cases = append(cases, c)
		}
		return nil
	})
	return cases, err
}

// buildRequest writes the request as go-ftw does: the request line as
// given, headers sorted by name, and with autocomplete (the default) a
// form Content-Type for bodies, Connection: close and Content-Length.
func buildRequest(in ftwInput) ([]byte, error) {
	if in.EncodedRequest != "" {
		if in.Data != nil {
			return nil, fmt.Errorf("both data and encoded_request")
		}
		return base64.StdEncoding.DecodeString(strings.ReplaceAll(in.EncodedRequest, "\n", ""))
	}
	str := func(p *string, def string) string {
		if p == nil {
			return def
		}
		return *p
	}
	method, uri, version := str(in.Method, "GET"), str(in.URI, "/"), str(in.Version, "HTTP/1.1")
	auto := in.AutocompleteHeaders == nil || *in.AutocompleteHeaders
	h := map[string]string{}
	for k, v := range in.Headers {
		h[k] = v
	}
	add := func(k, v string) {
		if h[k] == "" {
			h[k] = v
		}
	}
	var data []byte
	if in.Data != nil {
		d, err := expandTemplate(*in.Data)
		if err != nil {
			return nil, err
		}
		data = d
	}
	if len(data) > 0 && auto {
		add("Content-Type", "application/x-www-form-urlencoded")
		if h["Content-Type"] == "application/x-www-form-urlencoded" {
			data = encodeForm(data)
		}
	}
	if strings.HasPrefix(h["Content-Type"], "multipart/form-data;") {
		data = bytes.ReplaceAll(data, []byte("\n"), []byte("\r\n"))
	}
	if auto {
		add("Connection", "close")
		if len(data) > 0 || slices.Contains([]string{"POST", "PUT", "PATCH", "DELETE"}, method) {
			add("Content-Length", strconv.Itoa(len(data)))
		}
	}
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s %s %s\r\n", method, uri, version)
	for _, k := range slices.Sorted(maps.Keys(h)) {
		fmt.Fprintf(&b, "%s: %s\r\n", k, h[k])
	}
	b.WriteString("\r\n")
	b.Write(data)
	return b.Bytes(), nil
}

// expandTemplate evaluates go-ftw's data templates; the CRS uses only
// sprig's repeat.
func expandTemplate(s string) ([]byte, error) {
	if !strings.Contains(s, "{{") {
		return []byte(s), nil
	}
	t, err := template.New("data").Funcs(template.FuncMap{
		"repeat": func(n int, s string) string { return strings.Repeat(s, n) },
	}).Parse(s)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	err = t.Execute(&b, nil)
	return b.Bytes(), err
}

// encodeForm percent-encodes key=value pairs unless the data is already
// encoded (unescaping changes it), as go-ftw does.
func encodeForm(data []byte) []byte {
	if u, err := url.QueryUnescape(string(data)); err != nil || u != string(data) {
		return data
	}
	var out []string
	for tok := range strings.SplitSeq(string(data), "&") {
		k, v, ok := strings.Cut(tok, "=")
		if !ok {
			out = append(out, url.QueryEscape(tok))
			continue
		}
		out = append(out, url.QueryEscape(k)+"="+url.QueryEscape(v))
	}
	return []byte(strings.Join(out, "&"))
}
