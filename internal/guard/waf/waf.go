// Package waf is Citadel's web application firewall: Coraza v3 running the
// OWASP Core Rule Set (embedded from coraza-coreruleset) in anomaly-scoring
// mode, wrapped as an http.Handler middleware.
//
// The CRS is request-side only by default: response-body inspection costs
// about ten times more than the request rules and Citadel checks responses
// with its own streaming filter instead. Per-route exclusions for fields that
// legitimately carry free text live in exclusions.conf, embedded in the
// binary so that what runs is what was reviewed.
//
// A blocked client sees a 403 page with its request ID and nothing about
// the rules; the rules, the matched data (truncated) and the anomaly score go
// to Config.OnBlock.
package waf

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/corazawaf/coraza/v3"
	"github.com/corazawaf/coraza/v3/experimental"
	"github.com/corazawaf/coraza/v3/types"
)

// Mode says what the WAF does with a request the rules condemn.
type Mode string

const (
	// ModeBlock answers 403 to a request whose anomaly score reaches the
	// threshold. The empty Mode means ModeBlock.
	ModeBlock Mode = "block"
	// ModeDetect evaluates every rule and reports matches to OnBlock with
	// Event.Blocked false, but lets the request through.
	ModeDetect Mode = "detect"
	// ModeOff passes every request through untouched.
	ModeOff Mode = "off"
)

// ErrConfig is wrapped by every error New returns for a bad Config; the
// caller should refuse to start.
var ErrConfig = errors.New("waf: invalid config")

// Config is the WAF's configuration. The zero Config is valid: block mode,
// paranoia level 1, CRS defaults, the embedded exclusions.
type Config struct {
	Mode Mode
	// ParanoiaLevel is the CRS blocking paranoia level, 1 to 4; 0 means 1.
	ParanoiaLevel int
	// InspectResponses turns on the CRS response rules (phases 3 and 4),
	// buffering each response in memory. Off by default: see the package
	// comment.
	InspectResponses bool
	// AllowedMethods replaces the CRS list (GET HEAD POST OPTIONS) when
	// not empty.
	AllowedMethods []string
	// Limits sets the CRS argument and upload size checks (rules
	// 920360-920390); zero fields leave a check off.
	Limits Limits
	// ValidateUTF8 turns on CRS rule 920250 (invalid UTF-8 in arguments).
	ValidateUTF8 bool
	// Exclusions replaces the embedded exclusions.conf when not empty. Its
	// rules run before the CRS, so ctl: actions apply to this request.
	Exclusions string
	// CustomRules are SecLang rules loaded after the exclusions and before
	// the CRS: they can add to the anomaly score, deny, or use ctl:.
	// Use IDs 10000-19999 (below the CRS's 900000+).
	CustomRules string
	// RequestID returns the ID shown on the block page and in events.
	RequestID func(*http.Request) string
	// NoFastPath turns off the memo of passing requests (fastpath.go):
	// every request then runs the whole rule set.
	NoFastPath bool
	// OnBlock receives every request that the rules condemn, blocked or
	// (in detect mode) not. It runs on the request's goroutine.
	OnBlock func(Event)
}

// Limits are the CRS's size checks on arguments and uploads.
type Limits struct {
	ArgNameLength     int
	ArgLength         int
	TotalArgLength    int
	MaxNumArgs        int
	MaxFileSize       int
	CombinedFileSizes int
}

// WAF is a compiled rule set, safe for concurrent use by many requests.
type WAF struct {
	cfg  Config
	waf  coraza.WAF
	newT func(r *http.Request) types.Transaction
	// memo remembers requests that passed; nil when the fast path is off.
	memo *memo
	// observe, when set (tests only), sees every finished transaction.
	observe func(r *http.Request, tx types.Transaction)
}

// New validates cfg and compiles the rules. Compiling the CRS takes about
// a second; build one WAF at start and share it.
func New(cfg Config) (*WAF, error) {
	if cfg.Mode == "" {
		cfg.Mode = ModeBlock
	}
	switch cfg.Mode {
	case ModeBlock, ModeDetect, ModeOff:
	default:
		return nil, fmt.Errorf("%w: unknown mode %q", ErrConfig, cfg.Mode)
	}
	if cfg.ParanoiaLevel == 0 {
		cfg.ParanoiaLevel = 1
	}
	if cfg.ParanoiaLevel < 1 || cfg.ParanoiaLevel > 4 {
		return nil, fmt.Errorf("%w: paranoia level %d not in 1..4", ErrConfig, cfg.ParanoiaLevel)
	}
	for _, m := range cfg.AllowedMethods {
		if m == "" || strings.ContainsAny(m, " \t'\"\\,") {
			return nil, fmt.Errorf("%w: bad allowed method %q", ErrConfig, m)
		}
	}
	l := cfg.Limits
	if min(l.ArgNameLength, l.ArgLength, l.TotalArgLength, l.MaxNumArgs, l.MaxFileSize, l.CombinedFileSizes) < 0 {
		return nil, fmt.Errorf("%w: negative limit in %+v", ErrConfig, l)
	}
	if cfg.Exclusions == "" {
		cfg.Exclusions = defaultExclusions
	}
	if cfg.RequestID == nil {
		cfg.RequestID = func(*http.Request) string { return "" }
	}
	w := &WAF{cfg: cfg}
	if cfg.Mode == ModeOff {
		return w, nil
	}
	cw, err := coraza.NewWAF(coraza.NewWAFConfig().
		WithRootFS(rulesFS()).
		WithDirectives(directives(cfg)))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	w.waf = cw
	w.memo = newMemo(cfg)
	w.newT = func(*http.Request) types.Transaction { return cw.NewTransaction() }
	if ow, ok := cw.(experimental.WAFWithOptions); ok {
		w.newT = func(r *http.Request) types.Transaction {
			return ow.NewTransactionWithOptions(experimental.Options{Context: r.Context()})
		}
	}
	return w, nil
}

// Mode reports the mode the WAF runs in.
func (w *WAF) Mode() Mode { return w.cfg.Mode }
