package passkey

import (
	"errors"
	"testing"

	"github.com/citadel-store/citadel/internal/store"
	"github.com/citadel-store/citadel/internal/storetest"
)

// FuzzFinishLogin posts arbitrary bytes as the browser's response to a
// fresh discoverable sign-in: FinishLogin must never panic and never
// accept. The seeds include a well-formed response (for another
// challenge), so mutations explore the parser and the checks behind it.
func FuzzFinishLogin(f *testing.F) {
	db := storetest.Open(f, store.SQLite)
	fx := newFixture(f, db)
	fx.register(f, fx.auth, fx.alice)
	options, _, err := fx.svc.BeginLogin(fx.ctx, "")
	if err != nil {
		f.Fatal(err)
	}
	valid, err := fx.auth.Assert(options)
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range [][]byte{
		valid, valid[:len(valid)/2], nil, []byte("{}"), []byte("null"), []byte(`{"id":"AA","rawId":"AA","type":"public-key","response":{}}`),
		[]byte(`{"id":"AA","rawId":"AA","type":"public-key","response":{"clientDataJSON":"e30","authenticatorData":"","signature":""}}`),
		[]byte(`[1,2,3]`), []byte(`{"id":1}`),
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, resp []byte) {
		_, state, err := fx.svc.BeginLogin(fx.ctx, "")
		if err != nil {
			t.Fatal(err)
		}
		acct, err := fx.svc.FinishLogin(fx.ctx, state, resp)
		if err == nil || acct != "" {
			t.Fatalf("FinishLogin accepted %q as %q", resp, acct)
		}
		if !errors.Is(err, ErrInvalidResponse) && !errors.Is(err, ErrCloneSuspected) {
			t.Fatalf("FinishLogin(%q) = %v, want ErrInvalidResponse", resp, err)
		}
	})
}
