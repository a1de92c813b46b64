package app

import (
	"context"
	"net/netip"
	"time"

	"github.com/citadel-store/citadel/internal/audit"
	"github.com/citadel-store/citadel/internal/guard/detect"
	"github.com/citadel-store/citadel/internal/store"
)

// newDetector wires the intrusion detectors: failed sign-ins from
// identity, 404s and WAF blocks from the request path; alerts go to the
// log and the audit outbox, and blocks to the rate limiter's block list.
func (s *Server) newDetector() *detect.Detector {
	d := detect.New(detect.DefaultRules, s.limiter, s.raiseAlert, nil)
	s.svc.identity.OnSignInFailed(func(ip, account string) {
		if a, err := netip.ParseAddr(ip); err == nil {
			d.SignInFailed(a, account)
		}
	})
	return d
}

func (s *Server) raiseAlert(a detect.Alert) {
	s.log.Warn("security alert", "kind", a.Kind, "severity", a.Severity, "source", a.Source,
		"evidence", a.Evidence, "blocked_until", a.Blocked)
	detail := map[string]string{"kind": a.Kind, "severity": a.Severity, "evidence": a.Evidence}
	if !a.Blocked.IsZero() {
		detail["blocked_until"] = a.Blocked.UTC().Format(time.RFC3339)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	ev := audit.Event{Actor: "system", Action: "guard.alert", Object: a.Source, Outcome: audit.Success, Detail: detail}
	if ip, err := netip.ParseAddr(a.Source); err == nil {
		ev.Object, ev.IP = "address", ip.String() // the address is pseudonymized in the entry
	}
	if err := s.db.Tx(ctx, func(tx *store.Tx) error { return s.svc.audit.Record(ctx, tx, ev) }); err != nil {
		s.log.Error("security alert", "err", err)
	}
}
