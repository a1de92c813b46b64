package tlog_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/citadel-store/citadel/internal/audit/tlog"
	"github.com/citadel-store/citadel/internal/store"
	"github.com/citadel-store/citadel/internal/storetest"
)

// FuzzVerifyBundle: arbitrary bytes never verify and never panic.
func FuzzVerifyBundle(f *testing.F) {
	f.Add([]byte(`{"format":"citadel-audit-bundle/v1","index":0,"entry":"{}","inclusion_proof":[],"checkpoint":"x","verifier_key":"y"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		if _, _, err := tlog.VerifyBundle(b, ""); err == nil {
			t.Fatal("arbitrary bytes verified")
		}
	})
}

func TestBundle(t *testing.T) {
	db := storetest.Open(t, store.SQLite)
	ctx := context.Background()
	keyPath := filepath.Join(t.TempDir(), "audit.key")
	signer, _, err := tlog.LoadOrCreateKey(keyPath, origin)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := os.ReadFile(keyPath + ".pub")
	if err != nil {
		t.Fatal(err)
	}
	vkey := strings.TrimSpace(string(pub))
	l, err := tlog.New(db, origin, signer, tlog.Options{})
	if err != nil {
		t.Fatal(err)
	}
	fill(t, db, 40)
	sequence(t, l)
	b, err := l.MakeBundle(ctx, 17, vkey)
	if err != nil {
		t.Fatal(err)
	}
	// fail/pinned-other-key: a bundle is only as good as the key it is
	// checked against.
	otherPath := filepath.Join(t.TempDir(), "other.key")
	tlog.LoadOrCreateKey(otherPath, origin)
	otherPub, _ := os.ReadFile(otherPath + ".pub")
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := json.Marshal(b)
	cp, got, err := tlog.VerifyBundle(raw, vkey)
	if err != nil || cp.Size != 40 || got.Index != 17 {
		t.Fatalf("verify: %v %+v", err, cp)
	}
	if _, _, err := tlog.VerifyBundle(raw, strings.TrimSpace(string(otherPub))); !errors.Is(err, tlog.ErrBundle) {
		t.Fatalf("verified under another key: %v", err)
	}
	for _, tc := range []struct {
		name   string
		mutate func(b tlog.Bundle) tlog.Bundle
	}{
		{"fail/edited-entry", func(b tlog.Bundle) tlog.Bundle { b.Entry = strings.Replace(b.Entry, "{", "{ ", 1); return b }},
		{"fail/other-index", func(b tlog.Bundle) tlog.Bundle { b.Index = 18; return b }},
		{"fail/edited-checkpoint", func(b tlog.Bundle) tlog.Bundle {
			b.Checkpoint = strings.Replace(b.Checkpoint, "\n40\n", "\n41\n", 1)
			return b
		}},
		{"fail/proof-dropped", func(b tlog.Bundle) tlog.Bundle { b.Proof = b.Proof[1:]; return b }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			raw, _ := json.Marshal(tc.mutate(*b))
			if _, _, err := tlog.VerifyBundle(raw, vkey); !errors.Is(err, tlog.ErrBundle) {
				t.Fatalf("verified: %v", err)
			}
		})
	}
	if _, err := l.MakeBundle(ctx, 40, vkey); !errors.Is(err, tlog.ErrOutOfRange) {
		t.Fatalf("bundle past the log: %v", err)
	}
}
