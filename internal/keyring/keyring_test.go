package keyring_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/citadel-store/citadel/internal/keyring"
	"github.com/citadel-store/citadel/internal/store"
	"github.com/citadel-store/citadel/internal/storetest"
)

func TestMain(m *testing.M) { os.Exit(storetest.Main(m)) }

func newMaster(t *testing.T) keyring.Master {
	t.Helper()
	m, err := keyring.CreateMasterFile(filepath.Join(t.TempDir(), "master.key"))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestSealOpenBindsField(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		m := newMaster(t)
		k, err := keyring.Open(ctx, db, m)
		if err != nil {
			t.Fatal(err)
		}
		f := keyring.Field{Table: "accounts", Column: "email", Row: "acct_1"}
		ct, err := k.SealString(ctx, keyring.Confidential, f, "alice@example.com")
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(ct, []byte("alice")) {
			t.Fatal("ciphertext holds the plaintext")
		}
		got, err := k.OpenString(ctx, f, ct)
		if err != nil || got != "alice@example.com" {
			t.Fatalf("Open = %q, %v", got, err)
		}
		tampered := bytes.Clone(ct)
		tampered[len(tampered)-1] ^= 1
		for _, tc := range []struct {
			name string
			f    keyring.Field
			ct   keyring.Ciphertext
		}{
			{"fail/other-row", keyring.Field{"accounts", "email", "acct_2"}, ct},
			{"fail/other-column", keyring.Field{"accounts", "name", "acct_1"}, ct},
			{"fail/other-table", keyring.Field{"addresses", "email", "acct_1"}, ct},
			{"fail/shifted-boundary", keyring.Field{"accountse", "mail", "acct_1"}, ct},
			{"fail/tampered", f, tampered},
			{"fail/truncated", f, ct[:10]},
			{"fail/empty", f, nil},
		} {
			t.Run(tc.name, func(t *testing.T) {
				if _, err := k.Open(ctx, tc.f, tc.ct); !errors.Is(err, keyring.ErrDecrypt) {
					t.Fatalf("Open = %v, want ErrDecrypt", err)
				}
			})
		}
		if _, err := k.SealString(ctx, keyring.Public, f, "x"); err == nil {
			t.Fatal("public data sealed")
		}
		// Another process with the same master reads it; a wrong master fails.
		k2, err := keyring.Open(ctx, db, m)
		if err != nil {
			t.Fatal(err)
		}
		if s, err := k2.OpenString(ctx, f, ct); err != nil || s != "alice@example.com" {
			t.Fatalf("second keyring: %q %v", s, err)
		}
		if _, err := keyring.Open(ctx, db, newMaster(t)); !errors.Is(err, keyring.ErrMasterKey) {
			t.Fatalf("wrong master: %v, want ErrMasterKey", err)
		}
	})
}

func TestBlindIndex(t *testing.T) {
	ctx := context.Background()
	db := storetest.Open(t, store.SQLite)
	m := newMaster(t)
	k, err := keyring.Open(ctx, db, m)
	if err != nil {
		t.Fatal(err)
	}
	a := k.BlindIndex("email", "alice@example.com")
	if !bytes.Equal(a, k.BlindIndex("email", "alice@example.com")) {
		t.Fatal("blind index not deterministic")
	}
	if bytes.Equal(a, k.BlindIndex("phone", "alice@example.com")) {
		t.Fatal("purposes not separated")
	}
	if bytes.Equal(a, k.BlindIndex("email", "bob@example.com")) {
		t.Fatal("different values collide")
	}
	// Another database has another index key: the index is keyed.
	k2, _ := keyring.Open(ctx, storetest.Open(t, store.SQLite), m)
	if bytes.Equal(a, k2.BlindIndex("email", "alice@example.com")) {
		t.Fatal("blind index is not keyed")
	}
}

func TestCryptoShredding(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		k, err := keyring.Open(ctx, db, newMaster(t))
		if err != nil {
			t.Fatal(err)
		}
		f := keyring.Field{Table: "addresses", Column: "line1", Row: "addr_1"}
		var ct keyring.Ciphertext
		err = db.Tx(ctx, func(tx *store.Tx) error {
			if err := k.CreateSubjectKey(ctx, tx, "cust_1"); err != nil {
				return err
			}
			ct, err = k.SealFor(ctx, tx, "cust_1", f, []byte("1 Main St"))
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if pt, err := k.OpenFor(ctx, db, "cust_1", f, ct); err != nil || string(pt) != "1 Main St" {
			t.Fatalf("OpenFor = %q, %v", pt, err)
		}
		if _, err := k.OpenFor(ctx, db, "cust_2", f, ct); err == nil {
			t.Fatal("opened under another subject")
		}
		if err := db.Tx(ctx, func(tx *store.Tx) error { return k.Shred(ctx, tx, "cust_1") }); err != nil {
			t.Fatal(err)
		}
		if _, err := k.OpenFor(ctx, db, "cust_1", f, ct); !errors.Is(err, keyring.ErrShredded) {
			t.Fatalf("after Shred: %v, want ErrShredded", err)
		}
	})
}

func TestMasterKeyFile(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "master.key")
	m, err := keyring.CreateMasterFile(p)
	if err != nil {
		t.Fatal(err)
	}
	m2, err := keyring.LoadMasterFile(p)
	if err != nil || m2.ID() != m.ID() {
		t.Fatalf("reload: %v", err)
	}
	if _, err := keyring.CreateMasterFile(p); err == nil {
		t.Fatal("CreateMasterFile overwrote a key")
	}
	os.Chmod(p, 0o644)
	if _, err := keyring.LoadMasterFile(p); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Fatalf("0644 key file accepted: %v", err)
	}
	for _, tc := range []struct{ name, text string }{
		{"fail/short", "abcd"},
		{"fail/not-base64", strings.Repeat("!", 44)},
		{"fail/31-bytes-hex", strings.Repeat("ab", 31)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := keyring.ParseMasterKey(tc.text); err == nil {
				t.Fatal("accepted")
			}
		})
	}
}

func FuzzOpen(f *testing.F) {
	db := storetest.Open(f, store.SQLite)
	ctx := context.Background()
	k, err := keyring.Open(ctx, db, mustCreate(f))
	if err != nil {
		f.Fatal(err)
	}
	fld := keyring.Field{Table: "t", Column: "c", Row: "r"}
	ct, _ := k.SealString(ctx, keyring.Restricted, fld, "secret")
	f.Add([]byte(ct))
	f.Add([]byte{1, 3, 0, 0, 0, 9})
	f.Fuzz(func(t *testing.T, b []byte) {
		pt, err := k.Open(ctx, fld, b)
		// Only the exact sealed bytes open; anything else is ErrDecrypt.
		if err == nil && (!bytes.Equal(b, ct) || string(pt) != "secret") {
			t.Fatalf("forged ciphertext %x opened to %q", b, pt)
		}
		if err != nil && !errors.Is(err, keyring.ErrDecrypt) {
			t.Fatalf("unexpected error kind: %v", err)
		}
	})
}

func mustCreate(f *testing.F) keyring.Master {
	m, err := keyring.CreateMasterFile(filepath.Join(f.TempDir(), "m"))
	if err != nil {
		f.Fatal(err)
	}
	return m
}
