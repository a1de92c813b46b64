// Package browser drives a real headless Chromium for end-to-end tests of
// the pages: the same HTML, CSS, scripts and Content-Security-Policy a
// shopper's browser gets, over verified HTTPS. A Browser belongs to one
// test: it starts with New, fails the test with screenshots and the page's
// HTML when an action fails, records console errors and CSP violations,
// and stops when the test ends:
//
//	s := apptest.StartEngine(t, store.SQLite)
//	b := browser.New(t, browser.WithTrustedCert(browser.ServerCert(t, s.URL, s.TLSConfig())))
//	b.Run(chromedp.Navigate(s.URL + "/"))
//	b.RunAndLoad(chromedp.Click(chromedp.CSS(`a[href="/register"]`)))
//	if h := b.Text("h1"); h != "Create an account" { ... }
//	b.Screenshot("register") // $CITADEL_ARTIFACTS/<test>/register.png
//	b.AssertNoConsoleErrors(t)
//
// Tests skip when no Chromium is installed, unless CITADEL_REQUIRE_BROWSER
// is set (scripts/test.sh sets it), so that a machine without a browser
// cannot pass the suite by skipping it.
package browser

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// RequireEnv names the environment variable that turns a missing browser
// from a skip into a failure.
const RequireEnv = "CITADEL_REQUIRE_BROWSER"

// startTimeout bounds starting the browser, apart from WithTimeout: a
// cold start on a loaded CI machine takes seconds.
const startTimeout = 30 * time.Second

// binaries are the names tried, in order, on $PATH.
var binaries = []string{"chromium", "chromium-browser", "google-chrome"}

// Browser is one headless Chromium with one tab, owned by one test. Its
// methods call t.Fatal, so call them from the test's goroutine.
type Browser struct {
	t       testing.TB
	ctx     context.Context // the tab; its browser lives as long as the test
	timeout time.Duration
	output  *tailBuffer // Chromium's stdout and stderr, shown on failure

	mu       sync.Mutex
	problems []string // console errors, exceptions, CSP violations
	dir      string   // artifact directory, made on first use
}

type options struct {
	timeout time.Duration
	spki    []string
}

// Option configures New.
type Option func(*options)

// WithTimeout bounds each Run (default 30s).
func WithTimeout(d time.Duration) Option {
	return func(o *options) { o.timeout = d }
}

// New starts a headless Chromium for t and stops it when t ends. It skips
// t when no browser is installed and CITADEL_REQUIRE_BROWSER is unset.
func New(t testing.TB, opts ...Option) *Browser {
	t.Helper()
	o := options{timeout: 30 * time.Second}
	for _, opt := range opts {
		opt(&o)
	}
	path, err := findBinary()
	if err != nil {
		if os.Getenv(RequireEnv) == "" {
			t.Skipf("%v (set %s=1 to fail instead)", err, RequireEnv)
		}
		t.Fatalf("%v, and %s is set", err, RequireEnv)
	}

	b := &Browser{t: t, timeout: o.timeout, output: &tailBuffer{max: 8 << 10}}
	flags := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox, // tests run as root in containers
		chromedp.DisableGPU,
		chromedp.WindowSize(1280, 900),
		chromedp.CombinedOutput(b.output),
		// A fresh profile each time: chromedp makes a temporary
		// --user-data-dir and removes it when the browser exits (after
		// killing leftover children), which a t.TempDir could not
		// promise. The SPKI allow-list below needs that flag.
	)
	if len(o.spki) > 0 {
		flags = append(flags, chromedp.Flag("ignore-certificate-errors-spki-list", strings.Join(o.spki, ",")))
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), flags...)
	ctx, cancelTab := chromedp.NewContext(allocCtx, chromedp.WithListener(b.listen))
	// Cancelling the tab, then the allocator, kills the process; the
	// allocator's cancel waits until it has exited and its profile is gone.
	t.Cleanup(func() {
		cancelTab()
		cancelAlloc()
	})
	b.ctx = ctx

	// The first action starts the browser and binds it to ctx, so it runs
	// without a deadline; a hung start is bounded here instead.
	started := make(chan error, 1)
	go func() {
		// The viewport, not only the window, is fixed, so that screenshots
		// of the same page have the same size on every machine.
		started <- chromedp.Do(ctx, chromedp.EmulateViewport(1280, 900))
	}()
	select {
	case err = <-started:
	case <-time.After(startTimeout):
		cancelTab()
		err = fmt.Errorf("no answer within %v", startTimeout)
	}
	if err != nil {
		t.Fatalf("starting %s: %v\n%s", path, err, b.output)
	}
	return b
}

// Context is the tab's context, for chromedp calls the helpers do not
// cover. It carries no deadline; Run and Get bound their own calls.
func (b *Browser) Context() context.Context { return b.ctx }

func findBinary() (string, error) {
	for _, name := range binaries {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", errors.New("no Chromium found on $PATH (tried chromium, chromium-browser, google-chrome)")
}

// tailBuffer keeps the last max bytes written to it: Chromium's output is
// noise until it crashes, and then its end is what matters.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	b   []byte
}

func (w *tailBuffer) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.b = append(w.b, p...)
	if over := len(w.b) - w.max; over > 0 {
		w.b = append(w.b[:0], w.b[over:]...)
	}
	return len(p), nil
}

// String drops the complaints about D-Bus, which containers lack and
// which say nothing about a crash.
func (w *tailBuffer) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	var out []string
	for l := range strings.Lines(string(w.b)) {
		if !strings.Contains(l, ":ERROR:dbus/") {
			out = append(out, l)
		}
	}
	return strings.Join(out, "")
}
