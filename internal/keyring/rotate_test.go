package keyring_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/citadel-store/citadel/internal/keyring"
	"github.com/citadel-store/citadel/internal/store"
	"github.com/citadel-store/citadel/internal/storetest"
)

// auditLog is an AuditFunc that writes each event into the audit outbox
// in the caller's transaction, and remembers the actions.
type auditLog struct {
	mu      sync.Mutex
	actions []string
	fail    error
}

func (l *auditLog) record(ctx context.Context, tx *store.Tx, action string, detail map[string]string) error {
	if l.fail != nil {
		return l.fail
	}
	_, err := tx.Exec(ctx, `INSERT INTO audit_outbox (id, created_at, action, actor, body) VALUES (?, ?, ?, ?, ?)`,
		fmt.Sprintf("evt_%d", time.Now().UnixNano()), store.Micros(time.Now()), action, "test", fmt.Sprint(detail))
	l.mu.Lock()
	l.actions = append(l.actions, action)
	l.mu.Unlock()
	return err
}

func openKeyring(t *testing.T, db *store.DB, m keyring.Master, opts ...keyring.Option) *keyring.Keyring {
	t.Helper()
	k, err := keyring.Open(context.Background(), db, m, append([]keyring.Option{keyring.WithRefresh(0)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func version(t *testing.T, ct keyring.Ciphertext) uint32 {
	t.Helper()
	_, v, err := keyring.ClassOf(ct)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestRotate(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		m := newMaster(t)
		log := &auditLog{}
		k := openKeyring(t, db, m)
		k.SetAudit(log.record)
		other := openKeyring(t, db, m)                                // another node, checking every Seal
		lazy := openKeyring(t, db, m, keyring.WithRefresh(time.Hour)) // another node, checking hourly
		f := keyring.Field{Table: "t", Column: "c", Row: "r"}
		old, _ := k.SealString(ctx, keyring.Confidential, f, "v1 data")
		v, err := k.Rotate(ctx, keyring.Confidential)
		if err != nil || v != 2 {
			t.Fatalf("Rotate = %d, %v", v, err)
		}
		for name, kr := range map[string]*keyring.Keyring{"this": k, "other": other} {
			ct, err := kr.SealString(ctx, keyring.Confidential, f, "v2 data")
			if err != nil || version(t, ct) != 2 {
				t.Fatalf("%s node seals under version %d, %v; want 2", name, version(t, ct), err)
			}
			if s, err := kr.OpenString(ctx, f, old); err != nil || s != "v1 data" {
				t.Fatalf("%s node: old ciphertext: %q %v", name, s, err)
			}
		}
		if ct, _ := lazy.SealString(ctx, keyring.Confidential, f, "x"); version(t, ct) != 1 {
			t.Fatal("an hourly node looked for the new version before its interval")
		}
		if ct, _ := k.SealString(ctx, keyring.Restricted, f, "x"); version(t, ct) != 1 {
			t.Fatal("rotating confidential rotated restricted")
		}
		if len(log.actions) != 1 || log.actions[0] != keyring.ActionRotate {
			t.Fatalf("audit = %v", log.actions)
		}

		t.Run("fail/audit-fails", func(t *testing.T) {
			log.fail = errors.New("outbox full")
			defer func() { log.fail = nil }()
			if _, err := k.Rotate(ctx, keyring.Confidential); err == nil {
				t.Fatal("rotated without an audit event")
			}
			if ct, _ := other.SealString(ctx, keyring.Confidential, f, "x"); version(t, ct) != 2 {
				t.Fatal("a version was created although its audit event failed")
			}
		})
		t.Run("fail/unknown-class", func(t *testing.T) {
			if _, err := keyring.ParseClass("secret"); err == nil {
				t.Fatal("ParseClass accepted an unknown class")
			}
			if _, err := k.Rotate(ctx, keyring.Class(9)); err == nil {
				t.Fatal("rotated an unknown class")
			}
		})
		t.Run("fail/rotate-public", func(t *testing.T) {
			if _, err := k.Rotate(ctx, keyring.Public); err == nil {
				t.Fatal("rotated the public class")
			}
			if err := k.Reencrypt(ctx, keyring.Public, 10, nil); err == nil {
				t.Fatal("re-encrypted the public class")
			}
		})
	})
}

// Nodes that rotate at the same moment never both create the same
// version: each gets a version of its own or ErrConflict.
func TestRotateConcurrent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		m := newMaster(t)
		var nodes []*keyring.Keyring
		for range 4 {
			nodes = append(nodes, openKeyring(t, db, m))
		}
		var wg sync.WaitGroup
		results := make([]uint32, len(nodes))
		errs := make([]error, len(nodes))
		for i, k := range nodes {
			wg.Go(func() { results[i], errs[i] = k.Rotate(ctx, keyring.Internal) })
		}
		wg.Wait()
		seen := map[uint32]bool{}
		for i, err := range errs {
			if err != nil {
				if !errors.Is(err, store.ErrConflict) {
					t.Fatalf("node %d: %v", i, err)
				}
				continue
			}
			if seen[results[i]] {
				t.Fatalf("two nodes created version %d", results[i])
			}
			seen[results[i]] = true
		}
		st, err := nodes[0].Status(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var versions int
		for _, s := range st {
			if s.Class == keyring.Internal {
				versions++
			}
		}
		if versions != 1+len(seen) {
			t.Fatalf("%d internal versions for %d successful rotations", versions, len(seen))
		}
	})
}
