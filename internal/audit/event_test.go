package audit_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/citadel-store/citadel/internal/audit"
	"github.com/citadel-store/citadel/internal/keyring"
	"github.com/citadel-store/citadel/internal/store"
	"github.com/citadel-store/citadel/internal/storetest"
)

func TestMain(m *testing.M) { os.Exit(storetest.Main(m)) }

func TestRecordInTransaction(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		m, _ := keyring.CreateMasterFile(filepath.Join(t.TempDir(), "k"))
		keys, err := keyring.Open(ctx, db, m)
		if err != nil {
			t.Fatal(err)
		}
		rec := audit.NewRecorder(keys)
		ev := audit.Event{Actor: "acc_1", Action: "auth.signin", Outcome: audit.Success, IP: "203.0.113.9", UserAgent: "test", RequestID: "r1"}
		if err := db.Tx(ctx, func(tx *store.Tx) error { return rec.Record(ctx, tx, ev) }); err != nil {
			t.Fatal(err)
		}
		// A rolled-back change leaves no event.
		boom := errors.New("boom")
		db.Tx(ctx, func(tx *store.Tx) error {
			rec.Record(ctx, tx, audit.Event{Actor: "acc_1", Action: "rolled.back", Outcome: audit.Success})
			return boom
		})
		got, err := audit.Recent(ctx, db, 10)
		if err != nil || len(got) != 1 {
			t.Fatalf("outbox: %v %v", got, err)
		}
		body := got[0].Body
		if strings.Contains(body, "203.0.113.9") || !strings.Contains(body, `"ip":"ip:`) {
			t.Fatalf("entry carries the raw IP or no pseudonym: %s", body)
		}
		if !strings.HasPrefix(body, `{"id":"evt_`) || strings.Contains(body, " ") {
			t.Fatalf("entry not canonical: %s", body)
		}
		for _, bad := range []audit.Event{{Action: "x", Outcome: audit.Success}, {Actor: "a", Outcome: audit.Success}, {Actor: "a", Action: "x", Outcome: "maybe"}} {
			err := db.Tx(ctx, func(tx *store.Tx) error { return rec.Record(ctx, tx, bad) })
			if err == nil {
				t.Errorf("incomplete event %+v accepted", bad)
			}
		}
	})
}
