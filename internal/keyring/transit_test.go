package keyring_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/citadel-store/citadel/internal/keyring"
	"github.com/citadel-store/citadel/internal/keyring/keyringtest"
	"github.com/citadel-store/citadel/internal/store"
	"github.com/citadel-store/citadel/internal/storetest"
)

const testToken = "s.test-token-0123456789"

func transitMaster(t *testing.T, tr *keyringtest.Transit, token, key string) keyring.Master {
	t.Helper()
	m, err := keyring.NewTransitMaster(keyring.TransitConfig{Addr: tr.URL, Token: token, KeyName: key})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestTransitWrapUnwrap(t *testing.T) {
	ctx := context.Background()
	tr := keyringtest.NewTransit(t, testToken)
	m := transitMaster(t, tr, testToken, "citadel")
	if m.ID() != "transit:transit/citadel" {
		t.Fatalf("ID = %q", m.ID())
	}
	key := bytes.Repeat([]byte{7}, 32)
	ad := []byte("citadel data key\x00confidential\x001")
	w, err := m.Wrap(ctx, key, ad)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(w, []byte("vault:v1:")) || bytes.Contains(w, key) {
		t.Fatalf("wrapped = %q", w)
	}
	if got, err := m.Unwrap(ctx, w, ad); err != nil || !bytes.Equal(got, key) {
		t.Fatalf("Unwrap = %x, %v", got, err)
	}
	// After Vault rotates its key, new wraps use v2 and v1 still unwraps.
	tr.Rotate("citadel")
	w2, err := m.Wrap(ctx, key, ad)
	if err != nil || !bytes.HasPrefix(w2, []byte("vault:v2:")) {
		t.Fatalf("after rotate: %q, %v", w2, err)
	}
	for _, c := range [][]byte{w, w2} {
		if got, err := m.Unwrap(ctx, c, ad); err != nil || !bytes.Equal(got, key) {
			t.Fatalf("Unwrap %q = %v", c[:9], err)
		}
	}

	local := newMaster(t)
	localWrapped, _ := local.Wrap(ctx, key, ad)
	for _, tc := range []struct {
		name    string
		m       keyring.Master
		wrapped []byte
		ad      []byte
		want    error
	}{
		{"fail/wrong-context", m, w, []byte("citadel data key\x00restricted\x001"), keyring.ErrMasterKey},
		{"fail/other-transit-key", transitMaster(t, tr, testToken, "other"), w, ad, keyring.ErrMasterKey},
		{"fail/tampered", m, append(bytes.Clone(w[:len(w)-4]), "AAA="...), ad, keyring.ErrMasterKey},
		{"fail/not-transit-ciphertext", m, localWrapped, ad, keyring.ErrMasterKey},
		{"fail/wrong-token", transitMaster(t, tr, "s.wrong", "citadel"), w, ad, keyring.ErrTransitAuth},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.m.Unwrap(ctx, tc.wrapped, tc.ad)
			if !errors.Is(err, tc.want) {
				t.Fatalf("Unwrap = %v, want %v", err, tc.want)
			}
			if strings.Contains(err.Error(), "s.wrong") || strings.Contains(err.Error(), testToken) {
				t.Fatalf("error leaks the token: %v", err)
			}
		})
	}
	t.Run("fail/wrong-token-wrap", func(t *testing.T) {
		_, err := transitMaster(t, tr, "s.wrong", "citadel").Wrap(ctx, key, ad)
		if !errors.Is(err, keyring.ErrTransitAuth) || !strings.Contains(err.Error(), "token") {
			t.Fatalf("Wrap = %v, want a clear ErrTransitAuth", err)
		}
	})
}

func TestTransitConfig(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  keyring.TransitConfig
	}{
		{"fail/http-not-loopback", keyring.TransitConfig{Addr: "http://vault.example:8200", Token: "t", KeyName: "k"}},
		{"fail/no-scheme", keyring.TransitConfig{Addr: "vault.example:8200", Token: "t", KeyName: "k"}},
		{"fail/path", keyring.TransitConfig{Addr: "https://vault.example/v1", Token: "t", KeyName: "k"}},
		{"fail/userinfo", keyring.TransitConfig{Addr: "https://u:p@vault.example", Token: "t", KeyName: "k"}},
		{"fail/no-token", keyring.TransitConfig{Addr: "https://vault.example", KeyName: "k"}},
		{"fail/no-key", keyring.TransitConfig{Addr: "https://vault.example", Token: "t"}},
		{"fail/key-traversal", keyring.TransitConfig{Addr: "https://vault.example", Token: "t", KeyName: "../sys"}},
		{"fail/key-slash", keyring.TransitConfig{Addr: "https://vault.example", Token: "t", KeyName: "a/b"}},
		{"fail/mount-traversal", keyring.TransitConfig{Addr: "https://vault.example", Token: "t", KeyName: "k", Mount: "transit/../sys"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := keyring.NewTransitMaster(tc.cfg); err == nil {
				t.Fatal("accepted")
			}
		})
	}
	for _, addr := range []string{"https://vault.example:8200", "http://127.0.0.1:8200", "http://[::1]:8200", "http://localhost:8200/"} {
		if _, err := keyring.NewTransitMaster(keyring.TransitConfig{Addr: addr, Token: "t", KeyName: "k", Mount: "kms/transit"}); err != nil {
			t.Errorf("%s: %v", addr, err)
		}
	}
	cfg := keyring.TransitConfig{Addr: "https://vault.example", Token: testToken, KeyName: "k"}
	for _, s := range []string{cfg.String(), fmt.Sprintf("%v %+v %#v %s", cfg, cfg, cfg, cfg)} {
		if strings.Contains(s, testToken) {
			t.Fatalf("token printed: %s", s)
		}
	}
}

// A transit server that misbehaves: a redirect must not carry the token
// elsewhere, and an endless body is not read to the end.
func TestTransitHostileServer(t *testing.T) {
	ctx := context.Background()
	var leaked bool
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		leaked = leaked || r.Header.Get("X-Vault-Token") != ""
		fmt.Fprint(w, `{"data":{"ciphertext":"vault:v1:AAAA"}}`)
	}))
	defer other.Close()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.Contains(r.URL.Path, "encrypt") {
			http.Redirect(w, r, other.URL+r.URL.Path, http.StatusTemporaryRedirect)
			return
		}
		fmt.Fprint(w, `{"data":{"plaintext":"`+strings.Repeat("A", 200<<10)+`"}}`)
	}))
	defer srv.Close()
	m, err := keyring.NewTransitMaster(keyring.TransitConfig{Addr: srv.URL, Token: testToken, KeyName: "k"})
	if err != nil {
		t.Fatal(err)
	}
	t.Run("fail/redirect", func(t *testing.T) {
		if _, err := m.Wrap(ctx, make([]byte, 32), []byte("ad")); err == nil || leaked {
			t.Fatalf("Wrap = %v, token sent to redirect target: %v", err, leaked)
		}
	})
	t.Run("fail/oversized-response", func(t *testing.T) {
		if _, err := m.Unwrap(ctx, []byte("vault:v1:AAAA"), []byte("ad")); err == nil || !strings.Contains(err.Error(), "over") {
			t.Fatalf("Unwrap = %v, want a size error", err)
		}
	})
}

func TestOpenOverTransit(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		tr := keyringtest.NewTransit(t, testToken)
		m := transitMaster(t, tr, testToken, "citadel")
		k, err := keyring.Open(ctx, db, m)
		if err != nil {
			t.Fatal(err)
		}
		f := keyring.Field{Table: "accounts", Column: "email", Row: "acc_1"}
		ct, err := k.SealString(ctx, keyring.Confidential, f, "alice@example.com")
		if err != nil {
			t.Fatal(err)
		}
		// A new process, after Vault rotated its key, still opens the data.
		tr.Rotate("citadel")
		k2, err := keyring.Open(ctx, db, transitMaster(t, tr, testToken, "citadel"))
		if err != nil {
			t.Fatal(err)
		}
		if s, err := k2.OpenString(ctx, f, ct); err != nil || s != "alice@example.com" {
			t.Fatalf("OpenString = %q, %v", s, err)
		}
		if _, err := keyring.Open(ctx, db, transitMaster(t, tr, testToken, "other")); !errors.Is(err, keyring.ErrMasterKey) {
			t.Fatalf("other transit key: %v, want ErrMasterKey", err)
		}
		if _, err := keyring.Open(ctx, db, transitMaster(t, tr, "s.wrong", "citadel")); !errors.Is(err, keyring.ErrTransitAuth) {
			t.Fatalf("wrong token: %v, want ErrTransitAuth", err)
		}
		if _, err := keyring.Open(ctx, db, newMaster(t)); !errors.Is(err, keyring.ErrMasterKey) {
			t.Fatalf("local master over transit-wrapped keys: %v, want ErrMasterKey", err)
		}
	})
}
