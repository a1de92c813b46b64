// Package detect watches the stream of security events and request
// outcomes for attacks (scanners, credential stuffing, password guessing
// spread over many sources) and responds: it raises an alert with a
// severity and its evidence, and blocks the source for a period that
// grows for repeat offenders.
package detect

import (
	"context"
	"fmt"
	"net/http"
	"net/netip"
	"sync"
	"time"
)

// Alert is one detection.
type Alert struct {
	Kind     string // scanner, credential_stuffing, password_guessing, distributed_guessing
	Severity string // medium, high
	Source   string // an address, or an account ID
	Evidence string
	At       time.Time
	Blocked  time.Time // until when the source is blocked, zero if not
}

// Blocker blocks a network for a period that grows for repeat offenders
// (the rate limiter's shared block list).
type Blocker interface {
	BlockEscalatingReason(ctx context.Context, prefix netip.Prefix, base time.Duration, reason string) (time.Time, error)
}

// Rules are the thresholds.
type Rules struct {
	ScannerHits    int           // 404s and WAF blocks from one address...
	ScannerWindow  time.Duration // ...within this window
	ScannerBlock   time.Duration // first block period
	StuffAccounts  int           // failed sign-ins from one address over this many accounts...
	StuffWindow    time.Duration
	StuffBlock     time.Duration
	GuessFailures  int // failures on one account...
	GuessWindow    time.Duration
	SpreadSources  int // ...or failures on one account from this many addresses
	SpreadWindow   time.Duration
	AlertCooldown  time.Duration // one alert per kind and source per cooldown
	MaxTrackedKeys int
}

// DefaultRules are conservative: ordinary shoppers never reach them.
var DefaultRules = Rules{
	ScannerHits: 30, ScannerWindow: time.Minute, ScannerBlock: 10 * time.Minute,
	StuffAccounts: 8, StuffWindow: 10 * time.Minute, StuffBlock: 30 * time.Minute,
	GuessFailures: 5, GuessWindow: 5 * time.Minute,
	SpreadSources: 5, SpreadWindow: 10 * time.Minute,
	AlertCooldown: 10 * time.Minute, MaxTrackedKeys: 100000,
}

// Detector keeps sliding windows per source and account.
type Detector struct {
	rules Rules
	block Blocker
	alert func(Alert)
	now   func() time.Time

	mu      sync.Mutex
	hits    map[string][]time.Time          // address -> 404/WAF times
	byIP    map[string]map[string]time.Time // address -> account -> last failure
	byAcct  map[string]map[string]time.Time // account -> address -> last failure
	fails   map[string][]time.Time          // account -> failure times
	alerted map[string]time.Time            // kind|source -> last alert
}

// New returns a detector; block may be nil (alerts only).
func New(r Rules, block Blocker, alert func(Alert), now func() time.Time) *Detector {
	if now == nil {
		now = time.Now
	}
	return &Detector{rules: r, block: block, alert: alert, now: now,
		hits: map[string][]time.Time{}, byIP: map[string]map[string]time.Time{}, byAcct: map[string]map[string]time.Time{},
		fails: map[string][]time.Time{}, alerted: map[string]time.Time{}}
}

// SignInFailed feeds a failed sign-in (account may be "" for unknown).
func (d *Detector) SignInFailed(ip netip.Addr, account string) {
	now := d.now()
	src := ip.String()
	var alerts []Alert
	d.mu.Lock()
	d.gc(now)
	if account == "" {
		account = "unknown"
	}
	if d.byIP[src] == nil {
		d.byIP[src] = map[string]time.Time{}
	}
	d.byIP[src][account] = now
	if n := countSince(d.byIP[src], now.Add(-d.rules.StuffWindow)); n >= d.rules.StuffAccounts {
		alerts = append(alerts, Alert{Kind: "credential_stuffing", Severity: "high", Source: src,
			Evidence: fmt.Sprintf("failed sign-ins for %d accounts within %s", n, d.rules.StuffWindow)})
	}
	if account != "unknown" {
		d.fails[account] = append(trim(d.fails[account], now.Add(-d.rules.GuessWindow)), now)
		if n := len(d.fails[account]); n >= d.rules.GuessFailures {
			alerts = append(alerts, Alert{Kind: "password_guessing", Severity: "medium", Source: account,
				Evidence: fmt.Sprintf("%d failed sign-ins within %s", n, d.rules.GuessWindow)})
		}
		if d.byAcct[account] == nil {
			d.byAcct[account] = map[string]time.Time{}
		}
		d.byAcct[account][src] = now
		if n := countSince(d.byAcct[account], now.Add(-d.rules.SpreadWindow)); n >= d.rules.SpreadSources {
			alerts = append(alerts, Alert{Kind: "distributed_guessing", Severity: "high", Source: account,
				Evidence: fmt.Sprintf("failed sign-ins from %d addresses within %s", n, d.rules.SpreadWindow)})
		}
	}
	alerts = d.cooldown(alerts, now)
	d.mu.Unlock()
	d.respond(ip, alerts, d.rules.StuffBlock)
}

// Probe feeds a request that looked like probing: a 404, or a WAF block.
func (d *Detector) Probe(ip netip.Addr, what string) {
	now := d.now()
	src := ip.String()
	var alerts []Alert
	d.mu.Lock()
	d.gc(now)
	d.hits[src] = append(trim(d.hits[src], now.Add(-d.rules.ScannerWindow)), now)
	if n := len(d.hits[src]); n >= d.rules.ScannerHits {
		alerts = d.cooldown([]Alert{{Kind: "scanner", Severity: "high", Source: src,
			Evidence: fmt.Sprintf("%d probes (last: %s) within %s", n, what, d.rules.ScannerWindow)}}, now)
	}
	d.mu.Unlock()
	d.respond(ip, alerts, d.rules.ScannerBlock)
}

// respond raises each alert, blocking the source address for the alerts
// about addresses.
func (d *Detector) respond(ip netip.Addr, alerts []Alert, base time.Duration) {
	for _, a := range alerts {
		a.At = d.now()
		if d.block != nil && a.Source == ip.String() {
			bits := 32
			if ip.Is6() && !ip.Is4In6() {
				bits = 64
			}
			prefix, _ := ip.Unmap().Prefix(min(bits, ip.Unmap().BitLen()))
			if until, err := d.block.BlockEscalatingReason(context.Background(), prefix, base, a.Kind); err == nil {
				a.Blocked = until
			}
		}
		if d.alert != nil {
			d.alert(a)
		}
	}
}

func (d *Detector) cooldown(alerts []Alert, now time.Time) []Alert {
	out := alerts[:0]
	for _, a := range alerts {
		k := a.Kind + "|" + a.Source
		if t, ok := d.alerted[k]; ok && now.Sub(t) < d.rules.AlertCooldown {
			continue
		}
		d.alerted[k] = now
		out = append(out, a)
	}
	return out
}

// gc bounds memory: past MaxTrackedKeys, windows are dropped wholesale
// (detection restarts; an attacker gains a few requests, never a pass).
func (d *Detector) gc(now time.Time) {
	if len(d.hits)+len(d.byIP)+len(d.byAcct)+len(d.fails) < d.rules.MaxTrackedKeys {
		return
	}
	d.hits, d.byIP = map[string][]time.Time{}, map[string]map[string]time.Time{}
	d.byAcct, d.fails = map[string]map[string]time.Time{}, map[string][]time.Time{}
}

func trim(ts []time.Time, since time.Time) []time.Time {
	i := 0
	for i < len(ts) && ts[i].Before(since) {
		i++
	}
	return ts[i:]
}

func countSince(m map[string]time.Time, since time.Time) int {
	n := 0
	for k, t := range m {
		if t.Before(since) {
			delete(m, k)
			continue
		}
		n++
	}
	return n
}

// NotFound counts 404 answers per client address as probes.
func (d *Detector) NotFound(clientIP func(*http.Request) netip.Addr) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			sw := &statusWriter{ResponseWriter: w}
			next.ServeHTTP(sw, r)
			if sw.status == http.StatusNotFound {
				d.Probe(clientIP(r), "404 "+r.URL.Path)
			}
		})
	}
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
