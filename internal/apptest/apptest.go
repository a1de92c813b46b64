// Package apptest starts the whole Citadel server for end-to-end tests:
// a fresh data directory and database (SQLite or PostgreSQL), the
// generated CA, every listener on a free loopback port, and an HTTPS
// client that verifies the server against that CA (never
// InsecureSkipVerify).
package apptest

import (
	"bytes"
	"context"
	"crypto/tls"
	"io"
	"net/http"
	"net/http/cookiejar"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/citadel-store/citadel/internal/app"
	"github.com/citadel-store/citadel/internal/config"
	"github.com/citadel-store/citadel/internal/identity/password"
	"github.com/citadel-store/citadel/internal/notify/notifytest"
	"github.com/citadel-store/citadel/internal/store"
	"github.com/citadel-store/citadel/internal/storetest"
)

// Server is a running Citadel under test.
type Server struct {
	*app.Server
	URL      string // https://127.0.0.1:port
	AdminURL string
	HTTPURL  string
	Client   *http.Client // verifies against the generated CA
	Config   config.Serve
	Stdout   *SyncBuffer
	Stderr   *SyncBuffer // the JSON log
	Mail     *notifytest.SMTP
}

// Config returns a serve configuration for a test: a temporary data
// directory, the given engine, free ports on loopback.
func Config(t testing.TB, e store.Engine) config.Serve {
	t.Helper()
	cfg, err := config.ParseServe([]string{
		"--data", t.TempDir(),
		"--addr", "127.0.0.1:0", "--http-addr", "127.0.0.1:0", "--admin-addr", "127.0.0.1:0",
		"--shutdown-timeout", "5s", "--log-level", "debug",
	}, func(string) string { return "" }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if e == store.Postgres {
		cfg.DB = storetest.DSN(t, e)
	}
	return cfg
}

// Start starts a server with cfg (see Config) and stops it when the test
// ends.
func Start(t testing.TB, cfg config.Serve) *Server {
	t.Helper()
	return start(t, cfg, app.Options{CAWorkFactor: 10})
}

func start(t testing.TB, cfg config.Serve, o app.Options) *Server {
	t.Helper()
	s := &Server{Config: cfg, Stdout: &SyncBuffer{}, Stderr: &SyncBuffer{}}
	if cfg.SMTPAddr == "" {
		s.Mail = notifytest.StartSMTP(t, notifytest.SMTPOptions{})
		cfg.SMTPAddr, cfg.SMTPFrom = s.Mail.Addr, "Citadel <no-reply@citadel.test>"
		s.Config = cfg
		o.InsecureSMTP = true
	}
	cheap := password.Params{Memory: 8 * 1024, Time: 1, Threads: 1}
	if o.PasswordParams == nil {
		o.PasswordParams = &cheap
	}
	srv, err := app.Start(context.Background(), cfg, o, s.Stdout, s.Stderr)
	if err != nil {
		t.Fatalf("start: %v", err)
	}
	s.Server = srv
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
		// A failed test shows what the firewall and the server complained of.
		if t.Failed() {
			for _, l := range strings.Split(s.Stderr.String(), "\n") {
				if strings.Contains(l, `"msg":"waf"`) || strings.Contains(l, `"level":"ERROR"`) || strings.Contains(l, `"level":"WARN"`) {
					t.Log(l)
				}
			}
		}
	})
	s.URL = "https://" + srv.Addr()
	if a := srv.AdminAddr(); a != "" {
		s.AdminURL = "https://" + a
	}
	if a := srv.HTTPAddr(); a != "" {
		s.HTTPURL = "http://" + a
	}
	s.Client = s.NewClient(nil)
	return s
}

// StartEngine starts a server on the given engine with defaults.
func StartEngine(t testing.TB, e store.Engine) *Server { return Start(t, Config(t, e)) }

// TLSConfig trusts only the server's generated root.
func (s *Server) TLSConfig() *tls.Config {
	return &tls.Config{RootCAs: s.CA().Pool(), MinVersion: tls.VersionTLS12}
}

// NewClient returns a client that verifies the server against the
// generated CA and does not follow redirects. tc may add client
// certificates; nil means the default.
func (s *Server) NewClient(tc *tls.Config) *http.Client {
	if tc == nil {
		tc = s.TLSConfig()
	}
	return &http.Client{
		Timeout:   30 * time.Second,
		Transport: &http.Transport{TLSClientConfig: tc, ForceAttemptHTTP2: true},
		Jar:       newJar(),
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}

// Get fetches path over verified HTTPS and returns the response and body.
func (s *Server) Get(t testing.TB, path string) (*http.Response, string) {
	t.Helper()
	return s.Do(t, mustRequest(t, http.MethodGet, s.URL+path, nil))
}

// Do sends a request with the server's client and reads the whole body.
func (s *Server) Do(t testing.TB, req *http.Request) (*http.Response, string) {
	t.Helper()
	resp, err := s.Client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: reading body: %v", req.Method, req.URL, err)
	}
	return resp, string(b)
}

func mustRequest(t testing.TB, method, url string, body io.Reader) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

// SyncBuffer is a bytes.Buffer safe for the server's goroutines.
type SyncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *SyncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *SyncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// Contains reports whether s was written.
func (b *SyncBuffer) Contains(s string) bool { return strings.Contains(b.String(), s) }

// StartOptions starts a server with explicit build options.
func StartOptions(t testing.TB, cfg config.Serve, o app.Options) *Server {
	t.Helper()
	if o.CAWorkFactor == 0 {
		o.CAWorkFactor = 10
	}
	return start(t, cfg, o)
}

// StartWith starts a server whose public mux also has the test's routes.
func StartWith(t testing.TB, cfg config.Serve, routes func(*http.ServeMux)) *Server {
	t.Helper()
	return start(t, cfg, app.Options{CAWorkFactor: 10, TestRoutes: routes})
}

func newJar() http.CookieJar {
	j, _ := cookiejar.New(nil)
	return j
}
