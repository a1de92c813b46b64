package app

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/citadel-store/citadel/internal/audit"
	"github.com/citadel-store/citadel/internal/config"
	"github.com/citadel-store/citadel/internal/httpx"
	"github.com/citadel-store/citadel/internal/store"
)

// guardRoutes are the block-list endpoints of the admin listener (fenced
// to its allowed networks, and to certificate holders when configured).
func (s *Server) guardRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /guard/blocks", func(w http.ResponseWriter, r *http.Request) {
		list, err := s.limiter.List(r.Context())
		if err != nil {
			httpx.WriteError(w, http.StatusInternalServerError, "internal", "block list unavailable")
			return
		}
		out := []map[string]string{}
		for _, b := range list {
			out = append(out, map[string]string{"prefix": b.Prefix.String(), "until": b.Until.UTC().Format(time.RFC3339), "reason": b.Reason})
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(out)
	})
	mux.HandleFunc("POST /guard/block", func(w http.ResponseWriter, r *http.Request) { s.guardChange(w, r, true) })
	mux.HandleFunc("POST /guard/unblock", func(w http.ResponseWriter, r *http.Request) { s.guardChange(w, r, false) })
}

func (s *Server) guardChange(w http.ResponseWriter, r *http.Request, block bool) {
	r.Body = http.MaxBytesReader(w, r.Body, 4<<10)
	if err := r.ParseForm(); err != nil {
		httpx.WriteError(w, http.StatusBadRequest, "bad_request", "form does not parse")
		return
	}
	p, err := parsePrefix(r.PostFormValue("prefix"))
	if err != nil {
		httpx.WriteError(w, http.StatusBadRequest, "bad_prefix", err.Error())
		return
	}
	reason := truncate(strings.TrimSpace(r.PostFormValue("reason")), 200)
	action := "guard.unblock"
	if block {
		action = "guard.block"
		d, err := time.ParseDuration(r.PostFormValue("for"))
		if err != nil || d <= 0 || d > 90*24*time.Hour {
			httpx.WriteError(w, http.StatusBadRequest, "bad_duration", "for: a duration up to 2160h")
			return
		}
		err = s.limiter.Block(r.Context(), p, time.Now().Add(d), "operator: "+reason)
	} else {
		err = s.limiter.Unblock(r.Context(), p)
	}
	if err != nil {
		httpx.WriteError(w, http.StatusInternalServerError, "internal", err.Error())
		return
	}
	s.db.Tx(r.Context(), func(tx *store.Tx) error {
		return s.svc.audit.Record(r.Context(), tx, audit.Event{Actor: "operator", Action: action, Object: p.String(),
			Outcome: audit.Success, RequestID: httpx.RequestIDFrom(r.Context()), Detail: map[string]string{"reason": reason}})
	})
	w.WriteHeader(http.StatusNoContent)
}

func parsePrefix(s string) (netip.Prefix, error) {
	s = strings.TrimSpace(s)
	if p, err := netip.ParsePrefix(s); err == nil {
		return p.Masked(), nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("%q is not an address or CIDR prefix", s)
	}
	a = a.Unmap()
	return a.Prefix(a.BitLen())
}

// cmdGuard: `citadel guard list|block|unblock` talks to a running
// server's admin listener (verified against the CA in the data directory).
func cmdGuard(ctx context.Context, args []string, env func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprintln(stderr, "usage: citadel guard list | block ADDR|CIDR --for 24h --reason R | unblock ADDR|CIDR  [--admin https://127.0.0.1:9090]")
		return usageErr("missing guard command")
	}
	sub := args[0]
	fs := flag.NewFlagSet("guard "+sub, flag.ContinueOnError)
	fs.SetOutput(stderr)
	admin := fs.String("admin", envOr(env, "CITADEL_ADMIN_URL", "https://127.0.0.1:9090"), "the server's admin listener")
	dur := fs.Duration("for", 24*time.Hour, "block duration")
	reason := fs.String("reason", "", "why (recorded in the audit log)")
	c, pos, err := config.ParseCommon(fs, args[1:], env)
	if err != nil {
		return err
	}
	pem, err := os.ReadFile(filepath.Join(caDir(c.Data), "root.pem"))
	if err != nil {
		return fmt.Errorf("no CA in %s to verify the admin listener", caDir(c.Data))
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pem)
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}}
	switch sub {
	case "list":
		resp, err := client.Get(strings.TrimSuffix(*admin, "/") + "/guard/blocks")
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		var list []map[string]string
		if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&list); err != nil {
			return fmt.Errorf("admin listener answered %s", resp.Status)
		}
		tw := tabwriter.NewWriter(stdout, 2, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "PREFIX\tUNTIL\tREASON")
		for _, b := range list {
			fmt.Fprintf(tw, "%s\t%s\t%s\n", b["prefix"], b["until"], b["reason"])
		}
		return tw.Flush()
	case "block", "unblock":
		if len(pos) != 1 {
			return usageErr("%s takes one address or CIDR prefix", sub)
		}
		if _, err := parsePrefix(pos[0]); err != nil {
			return usageErr("%v", err)
		}
		resp, err := client.PostForm(strings.TrimSuffix(*admin, "/")+"/guard/"+sub,
			url.Values{"prefix": {pos[0]}, "for": {dur.String()}, "reason": {*reason}})
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusNoContent {
			b, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
			return fmt.Errorf("admin listener answered %s: %s", resp.Status, strings.TrimSpace(string(b)))
		}
		fmt.Fprintf(stdout, "%sed %s\n", sub, pos[0])
		return nil
	}
	return usageErr("unknown guard command %q", sub)
}

func envOr(env func(string) string, k, def string) string {
	if v := env(k); v != "" {
		return v
	}
	return def
}
