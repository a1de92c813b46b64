package app_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/citadel-store/citadel/internal/apptest"
	"github.com/citadel-store/citadel/internal/store"
)

// Export once through an emailed link; delete the account; the address
// is then free, nothing signs in, and nothing of it is left in clear.
func TestExportAndErasure(t *testing.T) {
	for _, e := range []store.Engine{store.SQLite, store.Postgres} {
		t.Run(string(e), func(t *testing.T) {
			s := apptest.StartEngine(t, e)
			c := s.NewClient(nil)
			const email, pw = "leaving@example.com", "violet otter ladder 42"
			signUp(t, s, c, email, pw)
			form(t, s, c, "/signin", "/signin", url.Values{"email": {email}, "password": {pw}})
			form(t, s, c, "/account/stepup", "/account/stepup/email", nil)
			form(t, s, c, "/account/stepup", "/account/stepup", url.Values{"method": {"email"}, "code": {mailedCode(t, s, email)}})

			if r, body := form(t, s, c, "/account/privacy", "/account/consents", url.Values{"marketing_email": {"on"}}); r.StatusCode != http.StatusSeeOther {
				t.Fatalf("consents: %d %s", r.StatusCode, body)
			}
			if r, _ := form(t, s, c, "/account/privacy", "/account/export", nil); r.StatusCode != 200 {
				t.Fatalf("export request: %d", r.StatusCode)
			}
			link := linkPath(t, s, email, "/account/export/download")
			u, _ := url.Parse(link)
			resp, body := form(t, s, c, link, "/account/export/download", url.Values{"token": {u.Query().Get("token")}})
			if resp.StatusCode != 200 || !strings.Contains(body, email) || !strings.Contains(body, "privacy.consent") || !strings.Contains(body, "marketing_email") {
				t.Fatalf("export: %d", resp.StatusCode)
			}
			// fail/export-link-reused
			if resp, _ := form(t, s, c, link, "/account/export/download", url.Values{"token": {u.Query().Get("token")}}); resp.StatusCode != http.StatusBadRequest {
				t.Fatalf("second download: %d", resp.StatusCode)
			}
			// fail/other-account-cannot-use-link
			other := s.NewClient(nil)
			signUp(t, s, other, "other@example.com", pw)
			form(t, s, other, "/signin", "/signin", url.Values{"email": {"other@example.com"}, "password": {pw}})

			if resp, _ := form(t, s, c, "/account/delete", "/account/delete", url.Values{"confirm": {"nope"}}); resp.StatusCode != http.StatusUnprocessableEntity {
				t.Fatalf("unconfirmed delete: %d", resp.StatusCode)
			}
			if resp, body := form(t, s, c, "/account/delete", "/account/delete", url.Values{"confirm": {"delete"}}); resp.StatusCode != 200 || !strings.Contains(body, "deleted") {
				t.Fatalf("delete: %d", resp.StatusCode)
			}
			if r, _ := do(t, c, "GET", s.URL+"/account", nil); r.StatusCode != http.StatusSeeOther {
				t.Fatal("the session survived erasure")
			}
			if r, _ := form(t, s, s.NewClient(nil), "/signin", "/signin", url.Values{"email": {email}, "password": {pw}}); r.StatusCode != http.StatusUnauthorized {
				t.Fatalf("erased account signs in: %d", r.StatusCode)
			}
			if s.DB().Engine() == store.SQLite {
				s.DB().Exec(t.Context(), `PRAGMA wal_checkpoint(TRUNCATE)`)
			}
			noClearText(t, s, email, "leaving@")
			// The address is free again.
			signUp(t, s, s.NewClient(nil), email, pw)
		})
	}
}
