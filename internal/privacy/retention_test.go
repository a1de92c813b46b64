package privacy_test

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/citadel-store/citadel/internal/privacy"
	"github.com/citadel-store/citadel/internal/store"
	"github.com/citadel-store/citadel/internal/storetest"
)

func TestMain(m *testing.M) { os.Exit(storetest.Main(m)) }

// Old rows go, recent ones stay, and the report counts each rule.
func TestEnforceRetention(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		now := time.Now().UTC()
		old, recent := store.Micros(now.Add(-100*24*time.Hour)), store.Micros(now.Add(-time.Hour))
		exec := func(q string, args ...any) {
			t.Helper()
			if _, err := db.Exec(ctx, q, args...); err != nil {
				t.Fatal(err)
			}
		}
		exec(`INSERT INTO accounts (id, kind, email_bidx, email_ct, status, created_at, updated_at) VALUES ('acc_1', 'customer', ?, ?, 'active', 0, 0)`, []byte("b"), []byte("c"))
		for i, at := range []int64{old, recent} {
			exec(`INSERT INTO sessions (id_hash, handle, account_id, created_at, last_seen_at, expires_at, idle_seconds, ip_ct, user_agent, revoked_at)
				VALUES (?, ?, 'acc_1', ?, ?, ?, 60, ?, 'ua', ?)`, []byte{byte(i)}, "ses_"+string(rune('a'+i)), at, at, at+1e12, []byte("ip"), at)
			exec(`INSERT INTO audit_outbox (id, created_at, action, actor, body, ip_ct) VALUES (?, ?, 'x', 'y', '{}', ?)`,
				"evt_"+string(rune('a'+i)), at, []byte("sealed-ip"))
		}
		rep, err := privacy.Enforce(ctx, db, privacy.DefaultPeriods, now)
		if err != nil {
			t.Fatal(err)
		}
		if rep["sessions_deleted"] != 1 || rep["audit_ips_erased"] != 1 {
			t.Fatalf("report %v", rep)
		}
		var sessions, ips int
		db.QueryRow(ctx, `SELECT count(*) FROM sessions`).Scan(&sessions)
		db.QueryRow(ctx, `SELECT count(*) FROM audit_outbox WHERE ip_ct IS NOT NULL`).Scan(&ips)
		if sessions != 1 || ips != 1 {
			t.Fatalf("after retention: %d sessions, %d audit IPs", sessions, ips)
		}
		var entries int
		db.QueryRow(ctx, `SELECT count(*) FROM audit_outbox`).Scan(&entries)
		if entries != 2 {
			t.Fatal("retention deleted audit entries (only their raw IPs may go)")
		}
	})
}
