package waf

// TestCRSRegression runs the OWASP CRS regression suite (go-ftw YAML in
// testdata/crs-regression) through Citadel's WAF middleware, behind a real
// net/http server on loopback, so that what the rules see is what Go's
// HTTP parser hands them in production. Each case is written to its own
// TCP connection byte for byte as go-ftw would send it; the rules that
// fired are read from the transaction, keyed by the client's address.

import (
	"bufio"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/citadel-store/citadel/internal/guard/reqcheck"
	"github.com/corazawaf/coraza/v3/types"
	"github.com/goccy/go-yaml"
)

// crsConfig is Citadel's WAF as the CRS suite needs it: every paranoia
// level (the suite tests rules of all four) and the CRS test settings for
// the size and UTF-8 checks. Like Coraza's own CI it runs in detect mode:
// the suite asserts which rules match, and expects the backend's status
// where it asserts one; block mode differs only in the disruptive action
// (and in skipping the response phases after a block, which the RESPONSE
// files need: their reflection requests score high at paranoia level 4).
// Response files run on a second WAF with response inspection on.
func crsConfig(inspectResponses bool) Config {
	return Config{
		Mode:             ModeDetect,
		ParanoiaLevel:    4,
		InspectResponses: inspectResponses,
		ValidateUTF8:     true,
		Limits: Limits{
			ArgNameLength: 100, ArgLength: 400, TotalArgLength: 64000,
			MaxNumArgs: 255, MaxFileSize: 64100, CombinedFileSizes: 65535,
		},
	}
}

// crsTarget is one server running the middleware, with the rules each
// client connection triggered.
type crsTarget struct {
	srv   *httptest.Server
	mu    sync.Mutex
	logs  map[string][]string // client addr -> error-log lines
	conns map[string]chan struct{}
}

func newCRSTarget(t *testing.T, cfg Config) *crsTarget {
	w, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ct := &crsTarget{logs: map[string][]string{}, conns: map[string]chan struct{}{}}
	w.observe = func(r *http.Request, tx types.Transaction) {
		var lines []string
		for _, mr := range loggedMatches(tx) {
			lines = append(lines, mr.ErrorLog())
		}
		ct.mu.Lock()
		ct.logs[r.RemoteAddr] = append(ct.logs[r.RemoteAddr], lines...)
		ct.mu.Unlock()
	}
	// Citadel's chain: the WAF, then the HTTP sanity check it leaves to
	// reqcheck, then the application.
	ct.srv = httptest.NewUnstartedServer(w.Middleware(reqcheck.Middleware(http.HandlerFunc(albedo))))
	ct.srv.Config.ConnState = func(c net.Conn, s http.ConnState) {
		if s == http.StateClosed || s == http.StateHijacked {
			close(ct.closed(c.RemoteAddr().String()))
		}
	}
	ct.srv.Config.ErrorLog = nil
	ct.srv.Start()
	t.Cleanup(ct.srv.Close)
	return ct
}

// closed returns the channel closed when the server is done with the
// connection from addr: after that, every transaction on it has finished.
func (ct *crsTarget) closed(addr string) chan struct{} {
	ct.mu.Lock()
	defer ct.mu.Unlock()
	ch, ok := ct.conns[addr]
	if !ok {
		ch = make(chan struct{})
		ct.conns[addr] = ch
	}
	return ch
}

// send writes the case and returns the status (0 with an error if no
// response came) and the error-log lines of every transaction it caused.
func (ct *crsTarget) send(c crsStage) (int, error, string) {
	conn, err := net.Dial("tcp", ct.srv.Listener.Addr().String())
	if err != nil {
		return 0, err, ""
	}
	addr := conn.LocalAddr().String()
	_ = conn.SetDeadline(time.Now().Add(30 * time.Second)) // generous: CI runs packages in parallel on 2 cores
	status := 0
	_, err = conn.Write(c.Raw)
	if err == nil {
		var resp *http.Response
		resp, err = http.ReadResponse(bufio.NewReader(conn), &http.Request{Method: c.Method})
		if err == nil {
			status = resp.StatusCode
			_, _ = io.Copy(io.Discard, resp.Body)
		}
	}
	conn.Close()
	select {
	case <-ct.closed(addr):
	case <-time.After(10 * time.Second):
		return status, fmt.Errorf("server never closed %s", addr), ""
	}
	ct.mu.Lock()
	defer ct.mu.Unlock()
	log := strings.Join(ct.logs[addr], "\n")
	// The kernel reuses client ports: forget this connection.
	delete(ct.logs, addr)
	delete(ct.conns, addr)
	return status, err, log
}

// verdict checks a response and log against the case's expectations; ""
// means pass.
func verdict(c crsStage, status int, err error, log string) string {
	out := c.Output
	if err != nil {
		if out.ExpectError {
			return ""
		}
		return "no response: " + err.Error()
	}
	if out.Status != 0 && status != out.Status {
		return fmt.Sprintf("status %d, want %d", status, out.Status)
	}
	for _, id := range out.Log.ExpectIDs {
		if !strings.Contains(log, fmt.Sprintf(`[id "%d"]`, id)) {
			return fmt.Sprintf("rule %d did not match (matched: %v)", id, matchedIDs(log))
		}
	}
	for _, id := range out.Log.NoExpectIDs {
		if strings.Contains(log, fmt.Sprintf(`[id "%d"]`, id)) {
			return fmt.Sprintf("rule %d matched, must not", id)
		}
	}
	if re := out.Log.MatchRegex; re != "" && !regexp.MustCompile(re).MatchString(log) {
		return fmt.Sprintf("log does not match %q (matched: %v)", re, matchedIDs(log))
	}
	if re := out.Log.NoMatchRegex; re != "" && regexp.MustCompile(re).MatchString(log) {
		return fmt.Sprintf("log matches %q (matched: %v)", re, matchedIDs(log))
	}
	return ""
}

var idInLog = regexp.MustCompile(`\[id "(\d+)"\]`)

func matchedIDs(log string) []string {
	var ids []string
	for _, m := range idInLog.FindAllStringSubmatch(log, -1) {
		ids = append(ids, m[1])
	}
	return ids
}

// loadIgnores reads the one list of cases Citadel is excused from.
func loadIgnores(t *testing.T) map[string]string {
	b, err := os.ReadFile(crsTestdata + "/citadel-ignores.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		Ignore map[string]string `yaml:"ignore"`
	}
	if err := yaml.UnmarshalWithOptions(b, &f, yaml.DisallowUnknownField()); err != nil {
		t.Fatalf("citadel-ignores.yaml: %v", err)
	}
	if len(f.Ignore) > 10 {
		t.Fatalf("citadel-ignores.yaml: %d entries, at most 10 allowed", len(f.Ignore))
	}
	for id, why := range f.Ignore {
		if strings.TrimSpace(why) == "" {
			t.Fatalf("citadel-ignores.yaml: %s has no reason", id)
		}
	}
	return f.Ignore
}

func TestCRSRegression(t *testing.T) {
	cases, err := loadCRSCases(crsTestdata)
	if err != nil {
		t.Fatal(err)
	}
	ignores := loadIgnores(t)
	in, out := newCRSTarget(t, crsConfig(false)), newCRSTarget(t, crsConfig(true))

	start := time.Now()
	failures := make([]string, len(cases))
	work := make(chan int)
	var wg sync.WaitGroup
	for range 4 * runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for i := range work {
				target := in
				if !cases[i].Inbound {
					target = out
				}
				for n, st := range cases[i].Stages {
					t0 := time.Now()
					status, err, log := target.send(st)
					if d := time.Since(t0); d > 2*time.Second {
						t.Logf("%s stage %d took %s", cases[i].ID, n+1, d)
					}
					if why := verdict(st, status, err, log); why != "" {
						failures[i] = fmt.Sprintf("stage %d: %s", n+1, why)
						break
					}
				}
			}
		})
	}
	for i := range cases {
		work <- i
	}
	close(work)
	wg.Wait()
	report(t, cases, failures, ignores, time.Since(start))
}

// report logs the pass rate per rule file and fails on every case that
// neither passed nor is ignored, and on every ignore that is not needed.
func report(t *testing.T, cases []crsCase, failures []string, ignores map[string]string, took time.Duration) {
	type row struct{ total, passed, ignored, failed int }
	rows := map[string]*row{}
	seen := map[string]bool{}
	var tot row
	for i, c := range cases {
		r := rows[c.File]
		if r == nil {
			r = &row{}
			rows[c.File] = r
		}
		r.total++
		_, ignored := ignores[c.ID]
		seen[c.ID] = true
		switch {
		case failures[i] == "" && ignored:
			t.Errorf("%s passes but is in citadel-ignores.yaml: remove it", c.ID)
			r.passed++
		case failures[i] == "":
			r.passed++
		case ignored:
			r.ignored++
		default:
			r.failed++
			t.Errorf("%s (%s): %s", c.ID, c.File, failures[i])
		}
	}
	for id := range ignores {
		if !seen[id] {
			t.Errorf("citadel-ignores.yaml names %s, which is not a case", id)
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "CRS regression, %d cases in %s\n%-48s %6s %6s %7s %6s %7s\n", len(cases), took.Round(time.Millisecond), "rule file", "total", "passed", "ignored", "failed", "pass%")
	for _, f := range slices.Sorted(maps.Keys(rows)) {
		r := rows[f]
		tot.total, tot.passed, tot.ignored, tot.failed = tot.total+r.total, tot.passed+r.passed, tot.ignored+r.ignored, tot.failed+r.failed
		fmt.Fprintf(&b, "%-48s %6d %6d %7d %6d %6.2f%%\n", f, r.total, r.passed, r.ignored, r.failed, 100*float64(r.passed)/float64(r.total))
	}
	fmt.Fprintf(&b, "%-48s %6d %6d %7d %6d %6.2f%%", "TOTAL", tot.total, tot.passed, tot.ignored, tot.failed, 100*float64(tot.passed)/float64(tot.total))
	t.Log(b.String())
}
