package app

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/netip"
	"os"
	"strings"
	"time"

	"github.com/citadel-store/citadel/internal/api"
	"github.com/citadel-store/citadel/internal/guard/limit"
	"github.com/citadel-store/citadel/internal/guard/reqcheck"
	"github.com/citadel-store/citadel/internal/guard/respcheck"
	"github.com/citadel-store/citadel/internal/httpx"
	"github.com/citadel-store/citadel/internal/pki"
	"github.com/citadel-store/citadel/internal/web"
)

// publicHandler is the HTTPS listener's whole request path.
func (s *Server) publicHandler() (http.Handler, error) {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", healthz)
	mux.HandleFunc("GET /readyz", s.readyz)
	mux.HandleFunc("GET /pki/ca.pem", s.caPEM)
	mux.HandleFunc("GET /.well-known/citadel-receipt-key", s.receiptKey)
	mux.HandleFunc("GET /pki/crl", s.crl)
	mux.HandleFunc("POST /pki/ocsp", s.ocsp)
	mux.Handle("/audit/", publicAudit(s.auditLog.Handler()))
	auditKey, _ := os.ReadFile(auditKeyPath(s.cfg.Data) + ".pub")
	web.New(s.svc.identity, s.svc.passkeys, s.log, s.certAccount).
		WithAudit(s.auditLog, strings.TrimSpace(string(auditKey))).
		WithCommerce(s.svc.catalog, s.svc.inventory, s.svc.carts, s.svc.orders).
		WithPayments(s.svc.payments, s.svc.acquirer, s.svc.escrow).
		WithReceipts(func(ctx context.Context, buyer, checkout string) ([]byte, error) {
			return receiptFor(ctx, s.db, buyer, checkout)
		}).Routes(mux)
	api.New(s.svc.identity, s.svc.idem, s.log).
		WithCommerce(s.svc.catalog, s.svc.inventory, s.svc.carts, s.svc.orders).
		WithPayments(s.svc.payments, s.svc.escrow).Routes(mux)
	if s.opts.TestRoutes != nil {
		s.opts.TestRoutes(mux)
	}

	fw, err := s.newWAF()
	if err != nil {
		return nil, err
	}
	if s.limiter, err = s.newLimiter(); err != nil {
		return nil, err
	}
	if cl, ok := s.lnHTTPS.(*limit.ConnListener); ok {
		cl.Deny = s.limiter.Deny // blocked sources are refused at accept
	}
	s.detector = s.newDetector()
	// Metrics wraps the mux itself: only there is the matched route
	// pattern visible. SecurityHeaders sits outside Recover so a 500 from
	// a panic carries them too. The WAF sees the request before anything
	// acts on it, after the body limit; reqcheck after it, so the rules
	// still log what reqcheck refuses.
	return httpx.Chain(s.metrics.Wrap(mux),
		httpx.RequestID,
		httpx.AccessLog(s.log),
		httpx.SecurityHeaders,
		httpx.HSTS,
		httpx.Recover(s.log),
		s.limiter.Middleware(classify, nil),
		httpx.LimitBody(s.cfg.MaxBodyBytes),
		fw,
		reqcheck.Middleware,
		httpx.CrossOrigin,
		s.detector.NotFound(limit.RemoteIP),
		// Nothing leaves with a card number, a stack trace or a database
		// error in it, whatever a handler got wrong.
		respcheck.Middleware(respcheck.Config{
			RequestID: func(r *http.Request) string { return httpx.RequestIDFrom(r.Context()) },
			OnMatch:   s.responseBlocked,
		}),
	), nil
}

// adminHandler serves the admin listener: metrics and health now, staff
// pages later. It is bound to loopback by default.
func (s *Server) adminHandler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", s.metrics)
	mux.HandleFunc("GET /healthz", healthz)
	mux.HandleFunc("GET /readyz", s.readyz)
	s.guardRoutes(mux)
	mux.Handle("/audit/", s.auditLog.Handler()) // entry bundles too, fenced
	return httpx.Chain(mux,
		httpx.RequestID,
		httpx.AccessLog(s.log),
		httpx.SecurityHeaders,
		httpx.HSTS,
		httpx.Recover(s.log),
		s.adminFence,
		// A browser on the operator's machine must not be made to post
		// here from another site (the block list changes state).
		httpx.CrossOrigin,
	)
}

// adminFence keeps the admin listener to the allowed networks and, when
// configured, to holders of a valid, unrevoked client certificate.
func (s *Server) adminFence(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host, _, _ := net.SplitHostPort(r.RemoteAddr)
		ip, err := netip.ParseAddr(host)
		allowed := false
		for _, p := range s.cfg.AdminAllow {
			allowed = allowed || (err == nil && p.Contains(ip.Unmap()))
		}
		if !allowed || (s.cfg.AdminClientCert && s.certAccount(r) == "") {
			s.log.Warn("admin listener refused", "remote", host, "request_id", httpx.RequestIDFrom(r.Context()))
			http.NotFound(w, r)
			return
		}
		next.ServeHTTP(w, r)
	})
}

func redirectHandler(httpsAddr string) http.Handler {
	_, port, _ := net.SplitHostPort(httpsAddr)
	return httpx.RedirectToHTTPS(port)
}

// healthz answers while the process runs.
func healthz(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Write([]byte("ok\n"))
}

// readyz answers 200 only when the database answers and its schema is the
// one this binary expects.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if err := s.db.Ping(ctx); err != nil {
		s.log.Warn("readyz: database", "err", err)
		http.Error(w, "database unreachable", http.StatusServiceUnavailable)
		return
	}
	cur, latest, err := s.db.SchemaStatus(ctx)
	if err != nil || cur != latest {
		http.Error(w, "migrations not current", http.StatusServiceUnavailable)
		return
	}
	w.Write([]byte("ready\n"))
}

func (s *Server) caPEM(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/x-pem-file")
	w.Write(s.ca.RootPEM())
}

// crl serves the intermediate's current CRL (DER). It is rebuilt from the
// database, so a revocation by another process shows on the next fetch.
func (s *Server) crl(w http.ResponseWriter, r *http.Request) {
	der, err := s.certs.CRL(r.Context())
	if err != nil {
		s.log.Error("crl", "err", err, "request_id", httpx.RequestIDFrom(r.Context()))
		http.Error(w, "CRL unavailable", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/pkix-crl")
	w.Header().Set("Cache-Control", "max-age=60")
	w.Write(der)
}

// ocsp answers OCSP requests (RFC 6960, POST with application/ocsp-request)
// from the registry, so a revocation shows at once.
func (s *Server) ocsp(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 16<<10))
	if err != nil {
		http.Error(w, "OCSP request too large", http.StatusRequestEntityTooLarge)
		return
	}
	resp, err := s.certs.OCSP(r.Context(), body)
	if err != nil && !errors.Is(err, pki.ErrOCSPMalformed) && !errors.Is(err, pki.ErrOCSPUnauthorized) {
		s.log.Error("ocsp", "err", err, "request_id", httpx.RequestIDFrom(r.Context()))
		http.Error(w, "OCSP unavailable", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/ocsp-response")
	w.Header().Set("Cache-Control", "no-store")
	w.Write(resp)
}

// certAccount returns the account a request's client certificate is
// bound to, when the handshake verified it against the CA and the
// registry knows it as an unrevoked client certificate for that account.
func (s *Server) certAccount(r *http.Request) string {
	if r.TLS == nil || len(r.TLS.VerifiedChains) == 0 {
		return ""
	}
	uid, err := s.ca.VerifyClient(r.TLS.PeerCertificates)
	if err != nil {
		return ""
	}
	rec, err := s.certs.Lookup(r.Context(), r.TLS.PeerCertificates[0].SerialNumber)
	if err != nil || rec.RevokedAt != nil || rec.Kind != "client" || rec.UserID != uid {
		return ""
	}
	return uid
}
