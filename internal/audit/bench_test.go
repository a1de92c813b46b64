package audit_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/citadel-store/citadel/internal/audit"
	"github.com/citadel-store/citadel/internal/keyring"
	"github.com/citadel-store/citadel/internal/store"
	"github.com/citadel-store/citadel/internal/storetest"
)

// BenchmarkAuditWrite measures what recording one event adds to a
// request's transaction: the same small update with and without the
// event, on SQLite.
//
//	go test -run XXX -bench AuditWrite ./internal/audit/
func BenchmarkAuditWrite(b *testing.B) {
	db := storetest.Open(b, store.SQLite)
	ctx := context.Background()
	m, _ := keyring.CreateMasterFile(filepath.Join(b.TempDir(), "k"))
	keys, err := keyring.Open(ctx, db, m)
	if err != nil {
		b.Fatal(err)
	}
	rec := audit.NewRecorder(keys)
	ev := audit.Event{Actor: "acc_1", Action: "product.update", Object: "prd_1", Outcome: audit.Success, IP: "203.0.113.9", UserAgent: "bench"}
	for _, withEvent := range []bool{false, true} {
		name := "tx-only"
		if withEvent {
			name = "tx-plus-event"
		}
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				err := db.Tx(ctx, func(tx *store.Tx) error {
					if _, err := tx.Exec(ctx, `UPDATE pki_crl_number SET number = number + 1 WHERE id = 1`); err != nil {
						return err
					}
					if withEvent {
						return rec.Record(ctx, tx, ev)
					}
					return nil
				})
				if err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
