package app

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/citadel-store/citadel/internal/audit/tlog"
	"github.com/citadel-store/citadel/internal/authz"
	"github.com/citadel-store/citadel/internal/config"
	"github.com/citadel-store/citadel/internal/guard/detect"
	"github.com/citadel-store/citadel/internal/guard/limit"
	"github.com/citadel-store/citadel/internal/httpx"
	"github.com/citadel-store/citadel/internal/pki"
	"github.com/citadel-store/citadel/internal/privacy"
	"github.com/citadel-store/citadel/internal/store"
)

// Server is a running Citadel: its listeners, database and CA.
type Server struct {
	cfg      config.Serve
	opts     Options
	log      *slog.Logger
	db       *store.DB
	ca       *pki.CA
	certs    *pki.Registry
	svc      *services
	metrics  *httpx.Metrics
	auditLog *tlog.Log
	limiter  *limit.Limiter
	detector *detect.Detector

	https, http, admin *http.Server
	lnHTTPS, lnHTTP    net.Listener
	lnAdmin            net.Listener

	demo     []demoAccount
	stopBG   context.CancelFunc // background jobs (retention)
	bgDone   sync.WaitGroup
	errc     chan error
	stopOnce sync.Once
	stopErr  error
}

// Start builds the object graph from cfg, binds every listener and starts
// serving. Any error leaves nothing running and nothing half-created.
func Start(ctx context.Context, cfg config.Serve, o Options, stdout, stderr io.Writer) (_ *Server, err error) {
	s := &Server{cfg: cfg, opts: o, log: newLogger(stderr, cfg.LogLevel), errc: make(chan error, 3)}
	defer func() {
		if err != nil {
			s.closeAll()
		}
	}()
	if err := prepareDataDir(cfg.Data); err != nil {
		return nil, err
	}
	if cfg.MemoryLimit > 0 {
		debug.SetMemoryLimit(cfg.MemoryLimit << 20)
	}
	if s.db, err = openStore(ctx, cfg.Common()); err != nil {
		return nil, err
	}
	var created bool
	if s.ca, created, err = openCA(cfg.Data, cfg.CAPassphrase, o); err != nil {
		return nil, err
	}
	if created {
		s.log.Info("created certificate authority", "dir", caDir(cfg.Data))
	}
	s.certs = pki.NewRegistry(s.db, s.ca)
	s.metrics = httpx.NewMetrics()

	if err := s.listen(); err != nil {
		return nil, err
	}
	if s.svc, err = newServices(ctx, cfg, o, s.db, strings.TrimSuffix(publicURL(s.Addr(), cfg.Hostnames), "/"), stdout); err != nil {
		return nil, err
	}
	s.certs.Audit = s.svc.auditHook()
	s.svc.receipts.log = s.log
	if s.auditLog, err = s.openAuditLog(strings.TrimSuffix(publicURL(s.Addr(), cfg.Hostnames), "/")); err != nil {
		return nil, err
	}
	if cfg.Demo {
		if err := s.demoAccounts(ctx); err != nil {
			return nil, fmt.Errorf("demo accounts: %w", err)
		}
		if err := s.demoCatalog(ctx); err != nil {
			return nil, fmt.Errorf("demo catalog: %w", err)
		}
	}
	cert, err := s.serverCertificate(ctx)
	if err != nil {
		return nil, err
	}
	public, err := s.publicHandler()
	if err != nil {
		return nil, err
	}
	clientCAs := s.ca.Pool()
	clientCAs.AddCert(s.ca.Intermediate())
	tlsConf := serverTLS(cert, clientCAs)
	s.https = s.newHTTPServer(public, tlsConf)
	adminTLS := tlsConf.Clone()
	if cfg.AdminClientCert {
		adminTLS.ClientAuth = tls.RequireAndVerifyClientCert
	}
	s.admin = s.newHTTPServer(s.adminHandler(), adminTLS)
	s.serve(s.https, s.lnHTTPS, true)
	s.serve(s.admin, s.lnAdmin, true)
	if s.lnHTTP != nil {
		s.http = s.newHTTPServer(redirectHandler(s.lnHTTPS.Addr().String()), nil)
		s.serve(s.http, s.lnHTTP, false)
	}
	bg, stopBG := context.WithCancel(context.Background())
	s.stopBG = stopBG
	s.bgDone.Add(1)
	go func() {
		defer s.bgDone.Done()
		privacy.Run(bg, s.db, privacy.DefaultPeriods, time.Hour, s.log)
	}()
	s.bgDone.Add(1)
	go func() {
		defer s.bgDone.Done()
		s.auditLog.Run(bg, 2*time.Second) // the sequencer: outbox -> Merkle log, checkpoints
	}()
	s.bgDone.Add(1)
	go func() {
		defer s.bgDone.Done()
		s.commerceJobs(bg, time.Minute)
	}()
	if cfg.BackupEvery > 0 {
		sched, err := s.backupSchedule()
		if err != nil {
			return nil, err
		}
		s.bgDone.Add(1)
		go func() {
			defer s.bgDone.Done()
			sched.Run(bg)
		}()
	}
	// Start-up leaves garbage the steady state never needs again (scrypt
	// over the CA keys alone takes 256 MiB for a moment, compiling the
	// rule set more): hand it back to the OS now rather than slowly.
	debug.FreeOSMemory()
	s.printBanner(stdout)
	return s, nil
}

// serverCertificate is the operator's own certificate when given, else a
// fresh leaf from the built-in CA for localhost, loopback and --hostname.
// The generated key lives only in memory.
func (s *Server) serverCertificate(ctx context.Context) (tls.Certificate, error) {
	if s.cfg.TLSCert != "" {
		c, err := tls.LoadX509KeyPair(s.cfg.TLSCert, s.cfg.TLSKey)
		if err != nil {
			return c, fmt.Errorf("--tls-cert/--tls-key: %w", err)
		}
		return c, nil
	}
	names := append([]string{"localhost", "127.0.0.1", "::1"}, s.cfg.Hostnames...)
	issued, err := s.certs.IssueServer(ctx, names, 90*24*time.Hour)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("server certificate: %w", err)
	}
	return issued.TLSCertificate()
}

func (s *Server) listen() error {
	var err error
	if s.lnHTTPS, err = net.Listen("tcp", s.cfg.Addr); err != nil {
		return fmt.Errorf("--addr %s: %w", s.cfg.Addr, unwrapOp(err))
	}
	// Connections beyond these are closed at accept, before a TLS
	// handshake is spent on them (slowloris, floods from one source).
	s.lnHTTPS = limit.ConnLimit(s.lnHTTPS, 256, 20000)
	if s.cfg.HTTPAddr != "" {
		if s.lnHTTP, err = net.Listen("tcp", s.cfg.HTTPAddr); err != nil {
			return fmt.Errorf("--http-addr %s: %w", s.cfg.HTTPAddr, unwrapOp(err))
		}
	}
	if s.cfg.AdminAddr != "" {
		if s.lnAdmin, err = net.Listen("tcp", s.cfg.AdminAddr); err != nil {
			return fmt.Errorf("--admin-addr %s: %w", s.cfg.AdminAddr, unwrapOp(err))
		}
	}
	return nil
}

func (s *Server) newHTTPServer(h http.Handler, tc *tls.Config) *http.Server {
	return &http.Server{
		Handler:           h,
		TLSConfig:         tc,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    s.cfg.MaxHeaderBytes,
		// Handshake failures from scanners are routine: keep them at debug.
		ErrorLog: slog.NewLogLogger(s.log.Handler(), slog.LevelDebug),
	}
}

func (s *Server) serve(hs *http.Server, ln net.Listener, useTLS bool) {
	if hs == nil || ln == nil {
		return
	}
	go func() {
		var err error
		if useTLS {
			err = hs.ServeTLS(ln, "", "")
		} else {
			err = hs.Serve(ln)
		}
		if !errors.Is(err, http.ErrServerClosed) {
			s.errc <- err
		}
	}()
}

// Addr returns the HTTPS listener's address; HTTPAddr and AdminAddr the others.
func (s *Server) Addr() string { return s.lnHTTPS.Addr().String() }
func (s *Server) HTTPAddr() string {
	if s.lnHTTP == nil {
		return ""
	}
	return s.lnHTTP.Addr().String()
}
func (s *Server) AdminAddr() string {
	if s.lnAdmin == nil {
		return ""
	}
	return s.lnAdmin.Addr().String()
}

// CA returns the built-in CA (tests verify the server against it).
func (s *Server) CA() *pki.CA { return s.ca }

// DB returns the database (tests inspect it).
func (s *Server) DB() *store.DB { return s.db }

// Err delivers a listener's fatal error.
func (s *Server) Err() <-chan error { return s.errc }

// Shutdown stops accepting, lets in-flight requests finish until ctx ends,
// then closes the database.
func (s *Server) Shutdown(ctx context.Context) error {
	s.stopOnce.Do(func() {
		var wg sync.WaitGroup
		var mu sync.Mutex
		for _, hs := range []*http.Server{s.https, s.http, s.admin} {
			if hs == nil {
				continue
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := hs.Shutdown(ctx); err != nil {
					mu.Lock()
					s.stopErr = errors.Join(s.stopErr, err)
					mu.Unlock()
					hs.Close()
				}
			}()
		}
		wg.Wait()
		s.closeAll()
	})
	return s.stopErr
}

func (s *Server) closeAll() {
	if s.stopBG != nil {
		s.stopBG()
		s.bgDone.Wait()
	}
	if s.svc != nil {
		s.svc.identity.Close() // mail still being sent
	}
	for _, ln := range []net.Listener{s.lnHTTPS, s.lnHTTP, s.lnAdmin} {
		if ln != nil {
			ln.Close()
		}
	}
	if s.db != nil {
		if err := s.db.Close(); err != nil {
			s.log.Error("closing database", "err", err)
		}
		s.db = nil
	}
}

func (s *Server) printBanner(w io.Writer) {
	root, _ := filepath.Abs(filepath.Join(caDir(s.cfg.Data), "root.pem"))
	fmt.Fprintf(w, "Citadel %s is serving %s\n", Version, publicURL(s.Addr(), s.cfg.Hostnames))
	if s.cfg.TLSCert == "" {
		fmt.Fprintf(w, "Trust this CA certificate to verify it: %s\n", root)
	}
	if a := s.HTTPAddr(); a != "" {
		fmt.Fprintf(w, "Plain HTTP on %s redirects to HTTPS.\n", a)
	}
	if a := s.AdminAddr(); a != "" {
		fmt.Fprintf(w, "Admin listener (metrics, staff pages): https://%s/metrics\n", a)
	}
	if s.svc.outbox != "" {
		fmt.Fprintf(w, "Outgoing mail (verification and reset links) is written to %s\n", s.svc.outbox)
	}
	if s.cfg.Demo {
		fmt.Fprintln(w, "Demo accounts (passwords are random per installation and shown only at their first start;")
		fmt.Fprintln(w, "staff sign-in asks for a second factor: the code arrives in the outbox above):")
		for _, d := range s.demo {
			pw := d.password
			if pw == "" {
				pw = "(set at first start; use /reset to choose a new one)"
			}
			fmt.Fprintf(w, "  %-16s %-28s %s\n", d.role, d.email, pw)
		}
	}
}

// publicURL is the address to print: localhost for loopback or wildcard
// binds, else the first configured hostname.
func publicURL(addr string, hostnames []string) string {
	host, port, _ := net.SplitHostPort(addr)
	ip := net.ParseIP(host)
	switch {
	case len(hostnames) > 0 && (host == "" || ip != nil && ip.IsUnspecified()):
		host = hostnames[0]
	case host == "" || ip != nil && (ip.IsLoopback() || ip.IsUnspecified()):
		host = "localhost"
	}
	if port == "443" {
		return "https://" + host + "/"
	}
	return "https://" + net.JoinHostPort(host, port) + "/"
}

func unwrapOp(err error) error {
	var op *net.OpError
	if errors.As(err, &op) && op.Err != nil {
		return op.Err
	}
	return err
}

// Run starts the server and serves until ctx is cancelled (a signal), then
// shuts down gracefully.
func Run(ctx context.Context, cfg config.Serve, o Options, stdout, stderr io.Writer) error {
	s, err := Start(ctx, cfg, o, stdout, stderr)
	if err != nil {
		return err
	}
	select {
	case <-ctx.Done():
	case err = <-s.errc:
		s.log.Error("listener failed", "err", err)
	}
	s.log.Info("shutting down", "timeout", cfg.ShutdownTimeout.String())
	sctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	if serr := s.Shutdown(sctx); serr != nil {
		err = errors.Join(err, fmt.Errorf("shutdown: %w", serr))
	}
	return err
}

type demoAccount struct {
	role     authz.Role
	email    string
	password string // empty when the account existed already
}

// demoAccounts makes sure the demo store has a shopper and a platform
// admin to sign in with.
func (s *Server) demoAccounts(ctx context.Context) error {
	for _, d := range []demoAccount{
		{role: authz.Customer, email: "shopper@demo.citadel.test"},
		{role: authz.PlatformAdmin, email: "admin@demo.citadel.test"},
		{role: authz.MerchantOwner, email: demoMerchants[0].owner},
	} {
		pw, _, err := s.svc.identity.EnsureDemoAccount(ctx, d.email, d.role)
		if err != nil {
			return err
		}
		d.password = pw
		s.demo = append(s.demo, d)
	}
	return nil
}

// commerceJobs runs the store's housekeeping every period: unpaid orders
// past their payment window are cancelled (their stock returns),
// idempotency keys older than a day are forgotten, payments whose answer
// was lost are settled with the acquirer, queued refunds are sent, and
// escrow is released to merchants once the dispute window has passed.
func (s *Server) commerceJobs(ctx context.Context, period time.Duration) {
	t := time.NewTicker(period)
	defer t.Stop()
	for {
		if n, err := s.svc.orders.ExpireUnpaid(ctx, time.Now()); err != nil && ctx.Err() == nil {
			s.log.Error("expiring unpaid orders", "err", err)
		} else if n > 0 {
			s.log.Info("expired unpaid orders", "count", n)
		}
		if _, err := s.svc.idem.Purge(ctx); err != nil && ctx.Err() == nil {
			s.log.Error("purging idempotency keys", "err", err)
		}
		if _, err := s.svc.payments.Reconcile(ctx); err != nil && ctx.Err() == nil {
			s.log.Error("reconciling payments", "err", err)
		}
		if n, err := s.svc.escrow.ReleaseDue(ctx, time.Now()); err != nil && ctx.Err() == nil {
			s.log.Error("releasing escrow", "err", err)
		} else if n > 0 {
			s.log.Info("released escrow", "orders", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
