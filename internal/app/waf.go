package app

import (
	"context"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/citadel-store/citadel/internal/audit"
	"github.com/citadel-store/citadel/internal/guard/respcheck"
	"github.com/citadel-store/citadel/internal/guard/waf"
	"github.com/citadel-store/citadel/internal/httpx"
	"github.com/citadel-store/citadel/internal/store"
)

// newWAF compiles the OWASP Core Rule Set as configured and returns its
// middleware (a pass-through when --waf off). Each condemned request
// becomes a security event in the audit outbox and a log line.
func (s *Server) newWAF() (func(http.Handler) http.Handler, error) {
	if s.cfg.WAFMode == "off" {
		return func(h http.Handler) http.Handler { return h }, nil
	}
	w, err := waf.New(waf.Config{
		Mode:          waf.Mode(s.cfg.WAFMode),
		ParanoiaLevel: s.cfg.WAFParanoia,
		RequestID:     func(r *http.Request) string { return httpx.RequestIDFrom(r.Context()) },
		OnBlock:       s.wafEvent,
		// The JSON API is REST-shaped: cart lines are PATCHed and
		// DELETEd, stock PUT. Everything else still refuses them.
		AllowedMethods: []string{"GET", "HEAD", "POST", "OPTIONS", "PUT", "PATCH", "DELETE"},
	})
	if err != nil {
		return nil, err
	}
	return w.Middleware, nil
}

func (s *Server) wafEvent(e waf.Event) {
	ids := make([]string, 0, len(e.Matches))
	for _, m := range e.Matches {
		ids = append(ids, strconv.Itoa(m.RuleID))
	}
	s.log.Warn("waf", "request_id", e.RequestID, "blocked", e.Blocked, "status", e.Status,
		"anomaly_score", e.AnomalyScore, "rules", strings.Join(ids, ","), "path", e.Path)
	detail := map[string]string{"rules": strings.Join(ids, ","), "score": strconv.Itoa(e.AnomalyScore),
		"method": e.Method, "path": truncate(e.Path, 128)}
	if len(e.Matches) > 0 {
		detail["matched"] = redactDigits(e.Matches[0].Variable + "=" + e.Matches[0].Data)
	}
	if e.Blocked && s.detector != nil {
		if a, err := netip.ParseAddr(ip0(e.RemoteAddr)); err == nil {
			s.detector.Probe(a, "waf "+strings.Join(ids, ","))
		}
	}
	outcome := audit.Denied
	if !e.Blocked {
		outcome = audit.Failure // detect mode: let through, but recorded
	}
	ip, _, _ := strings.Cut(e.RemoteAddr, ":")
	if strings.Count(e.RemoteAddr, ":") > 1 { // IPv6 [addr]:port
		ip = strings.Trim(e.RemoteAddr[:strings.LastIndex(e.RemoteAddr, ":")], "[]")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := s.db.Tx(ctx, func(tx *store.Tx) error {
		return s.svc.audit.Record(ctx, tx, audit.Event{Actor: "anonymous", Action: "guard.waf_match", Object: e.Path,
			Outcome: outcome, RequestID: e.RequestID, IP: ip, Detail: detail})
	})
	if err != nil {
		s.log.Error("waf event", "err", err, "request_id", e.RequestID)
	}
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "")
}

func ip0(remote string) string {
	if h, _, err := net.SplitHostPort(remote); err == nil {
		return h
	}
	return remote
}

// responseBlocked records a response that the leak check stopped.
func (s *Server) responseBlocked(e respcheck.Event) {
	s.log.Error("response blocked", "kind", e.Kind, "path", e.Path, "request_id", e.RequestID, "aborted", e.Aborted)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := s.db.Tx(ctx, func(tx *store.Tx) error {
		return s.svc.audit.Record(ctx, tx, audit.Event{Actor: "system", Action: "guard.response_blocked", Object: truncate(e.Path, 128),
			Outcome: audit.Denied, RequestID: e.RequestID, Detail: map[string]string{"kind": e.Kind, "aborted": strconv.FormatBool(e.Aborted)}})
	})
	if err != nil {
		s.log.Error("response blocked event", "err", err)
	}
}

// redactDigits masks every run of 8 or more digits (spaces and hyphens
// between them included) in WAF match data before it is logged or
// audited: a rule matching on the card form must not copy a card number
// into the audit log.
func redactDigits(s string) string {
	b := []byte(s)
	for i := 0; i < len(b); {
		if b[i] < '0' || b[i] > '9' {
			i++
			continue
		}
		j, n := i, 0
		for j < len(b) && (b[j] >= '0' && b[j] <= '9' || ((b[j] == ' ' || b[j] == '-') && j+1 < len(b) && b[j+1] >= '0' && b[j+1] <= '9')) {
			if b[j] >= '0' && b[j] <= '9' {
				n++
			}
			j++
		}
		if n >= 8 {
			for k := i; k < j; k++ {
				if b[k] >= '0' && b[k] <= '9' {
					b[k] = '#'
				}
			}
		}
		i = j
	}
	return string(b)
}
