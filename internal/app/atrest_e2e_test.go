package app_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/citadel-store/citadel/internal/apptest"
	"github.com/citadel-store/citadel/internal/store"
)

// noClearText fails when any needle appears in the database in clear: the
// SQLite file and its WAL byte for byte, or every row of every PostgreSQL
// table as text.
func noClearText(t *testing.T, s *apptest.Server, needles ...string) {
	t.Helper()
	var hay [][]byte
	if s.DB().Engine() == store.SQLite {
		for _, f := range []string{"citadel.db", "citadel.db-wal"} {
			b, err := os.ReadFile(filepath.Join(s.Config.Data, f))
			if err == nil {
				hay = append(hay, b)
			}
		}
	} else {
		rows, err := s.DB().Query(t.Context(), `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'`)
		if err != nil {
			t.Fatal(err)
		}
		var tables []string
		for rows.Next() {
			var n string
			rows.Scan(&n)
			tables = append(tables, n)
		}
		rows.Close()
		for _, tbl := range tables {
			r, err := s.DB().Query(t.Context(), `SELECT t::text FROM "`+tbl+`" t`)
			if err != nil {
				t.Fatal(err)
			}
			for r.Next() {
				var row string
				r.Scan(&row)
				hay = append(hay, []byte(row))
			}
			r.Close()
		}
	}
	if len(hay) == 0 {
		t.Fatal("nothing to inspect")
	}
	for _, n := range needles {
		for _, h := range hay {
			if bytes.Contains(bytes.ToLower(h), []byte(strings.ToLower(n))) {
				t.Errorf("%q is stored in clear", n)
			}
		}
	}
}

// After registering, confirming, signing in, adding a phone and a TOTP
// app, no personal or secret field is in clear in either engine.
func TestNoPersonalDataInClear(t *testing.T) {
	for _, e := range []store.Engine{store.SQLite, store.Postgres} {
		t.Run(string(e), func(t *testing.T) {
			s := apptest.StartEngine(t, e)
			c := s.NewClient(nil)
			const email, pw = "private.person@example.com", "violet otter ladder 42"
			signUp(t, s, c, email, pw)
			form(t, s, c, "/signin", "/signin", map[string][]string{"email": {email}, "password": {pw}})
			form(t, s, c, "/account/stepup", "/account/stepup/email", nil)
			form(t, s, c, "/account/stepup", "/account/stepup", map[string][]string{"method": {"email"}, "code": {mailedCode(t, s, email)}})
			form(t, s, c, "/account/security", "/account/totp/begin", nil)
			_, page := do(t, c, "GET", s.URL+"/account/totp", nil)
			secret := strings.ReplaceAll(keyRe.FindStringSubmatch(page)[1], " ", "")
			if s.DB().Engine() == store.SQLite {
				s.DB().Exec(t.Context(), `PRAGMA wal_checkpoint(PASSIVE)`)
			}
			noClearText(t, s, email, "private.person", pw, secret, "127.0.0.1")
		})
	}
}
