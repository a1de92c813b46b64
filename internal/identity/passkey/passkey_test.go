package passkey

import (
	"context"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/citadel-store/citadel/internal/identity/passkey/passkeytest"
	"github.com/citadel-store/citadel/internal/ids"
	"github.com/citadel-store/citadel/internal/store"
	"github.com/citadel-store/citadel/internal/storetest"
)

func TestMain(m *testing.M) { os.Exit(storetest.Main(m)) }

const (
	rpID   = "shop.example"
	origin = "https://shop.example"
)

type fixture struct {
	ctx    context.Context
	db     *store.DB
	svc    *Service
	auth   *passkeytest.Authenticator
	alice  User
	bob    User
	events []Event
}

func newFixture(t testing.TB, db *store.DB) *fixture {
	t.Helper()
	f := &fixture{ctx: context.Background(), db: db, auth: passkeytest.New(origin)}
	svc, err := New(db, rpID, origin, "Citadel")
	if err != nil {
		t.Fatal(err)
	}
	f.svc = svc.WithRecorder(func(ctx context.Context, tx *store.Tx, e Event) error {
		f.events = append(f.events, e)
		return nil
	})
	f.alice = f.account(t, "alice@example.com")
	f.bob = f.account(t, "bob@example.com")
	return f
}

// account inserts a bare account row for the foreign keys.
func (f *fixture) account(t testing.TB, email string) User {
	t.Helper()
	id := ids.New("acc")
	bidx := sha256.Sum256([]byte(email))
	now := store.Micros(time.Now())
	_, err := f.db.Exec(f.ctx, `INSERT INTO accounts (id, kind, email_bidx, email_ct, status, created_at, updated_at)
		VALUES (?, 'customer', ?, ?, 'active', ?, ?)`, id, bidx[:], []byte("sealed"), now, now)
	if err != nil {
		t.Fatal(err)
	}
	return User{AccountID: id, Email: email, DisplayName: email}
}

// register adds a passkey for u made by auth and returns its ID.
func (f *fixture) register(t testing.TB, auth *passkeytest.Authenticator, u User) string {
	t.Helper()
	opts, state, err := f.svc.BeginRegistration(f.ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	resp, _, err := auth.Register(opts)
	if err != nil {
		t.Fatal(err)
	}
	id, err := f.svc.FinishRegistration(f.ctx, u, state, resp, "Laptop")
	if err != nil {
		t.Fatalf("FinishRegistration: %v", err)
	}
	return id
}

// login runs a whole sign-in for accountID ("" for discoverable).
func (f *fixture) login(t testing.TB, auth *passkeytest.Authenticator, accountID string, opts ...passkeytest.Option) (string, error) {
	t.Helper()
	options, state, err := f.svc.BeginLogin(f.ctx, accountID)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := auth.Assert(options, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return f.svc.FinishLogin(f.ctx, state, resp)
}

func (f *fixture) list(t testing.TB, u User) []Credential {
	t.Helper()
	cs, err := f.svc.List(f.ctx, u.AccountID)
	if err != nil {
		t.Fatal(err)
	}
	return cs
}

func TestRegisterAndLogin(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		id := f.register(t, f.auth, f.alice)

		cs := f.list(t, f.alice)
		if len(cs) != 1 || cs[0].ID != id || cs[0].Name != "Laptop" || cs[0].SignCount != 0 ||
			!slices.Equal(cs[0].AAGUID, passkeytest.AAGUID[:]) || !slices.Equal(cs[0].Transports, []string{"internal"}) {
			t.Fatalf("List after registration = %+v", cs)
		}
		if len(f.list(t, f.bob)) != 0 {
			t.Fatal("bob sees a passkey")
		}

		for want := uint32(1); want <= 3; want++ {
			acct, err := f.login(t, f.auth, f.alice.AccountID)
			if err != nil || acct != f.alice.AccountID {
				t.Fatalf("login %d = %q, %v", want, acct, err)
			}
			cs = f.list(t, f.alice)
			if cs[0].SignCount != want || cs[0].LastUsedAt.IsZero() {
				t.Fatalf("after login %d: %+v", want, cs[0])
			}
		}
		wantEvents := []string{EventRegistered, EventUsed, EventUsed, EventUsed}
		if got := actions(f.events); !slices.Equal(got, wantEvents) {
			t.Fatalf("events %v, want %v", got, wantEvents)
		}
	})
}

func actions(es []Event) []string {
	var out []string
	for _, e := range es {
		out = append(out, e.Action)
	}
	return out
}

func TestDiscoverableLogin(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		bobAuth := passkeytest.New(origin)
		f.register(t, f.auth, f.alice)
		f.register(t, bobAuth, f.bob)

		options, _, err := f.svc.BeginLogin(f.ctx, "")
		if err != nil {
			t.Fatal(err)
		}
		var o struct {
			PublicKey struct {
				AllowCredentials []any  `json:"allowCredentials"`
				UserVerification string `json:"userVerification"`
			} `json:"publicKey"`
		}
		if err := json.Unmarshal(options, &o); err != nil || len(o.PublicKey.AllowCredentials) != 0 || o.PublicKey.UserVerification != "required" {
			t.Fatalf("discoverable options %s", options)
		}
		for _, c := range []struct {
			auth *passkeytest.Authenticator
			want string
		}{{f.auth, f.alice.AccountID}, {bobAuth, f.bob.AccountID}} {
			got, err := f.login(t, c.auth, "")
			if err != nil || got != c.want {
				t.Fatalf("discoverable login = %q, %v; want %q", got, err, c.want)
			}
		}
	})
}

func TestZeroCounter(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		f.auth.ZeroCounter = true
		f.register(t, f.auth, f.alice)
		for range 3 {
			if _, err := f.login(t, f.auth, f.alice.AccountID); err != nil {
				t.Fatalf("a passkey that never counts must sign in: %v", err)
			}
		}
	})
}

func TestRemove(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		id := f.register(t, f.auth, f.alice)
		if err := f.svc.Remove(f.ctx, f.alice.AccountID, id); err != nil {
			t.Fatal(err)
		}
		if len(f.list(t, f.alice)) != 0 {
			t.Fatal("credential still listed")
		}
		if err := f.svc.Remove(f.ctx, f.alice.AccountID, id); !errors.Is(err, ErrNotFound) {
			t.Fatalf("second Remove = %v", err)
		}
		if _, _, err := f.svc.BeginLogin(f.ctx, f.alice.AccountID); !errors.Is(err, ErrNotFound) {
			t.Fatalf("BeginLogin without passkeys = %v", err)
		}
	})
}

func TestSign(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		id := f.register(t, f.auth, f.alice)
		doc := sha256.Sum256([]byte("order ord_123: pay 42.00 EUR to merchant m_9, nonce 7f3a"))

		options, state, err := f.svc.BeginSign(f.ctx, f.alice.AccountID, doc[:])
		if err != nil {
			t.Fatal(err)
		}
		resp, err := f.auth.Assert(options)
		if err != nil {
			t.Fatal(err)
		}
		a, err := f.svc.FinishSign(f.ctx, state, resp)
		if err != nil {
			t.Fatalf("FinishSign: %v", err)
		}
		if a.AccountID != f.alice.AccountID || a.CredentialID != id || !slices.Equal(a.Challenge, doc[:]) {
			t.Fatalf("assertion %+v", a)
		}
		var cd struct{ Type, Challenge, Origin string }
		if err := json.Unmarshal(a.ClientDataJSON, &cd); err != nil {
			t.Fatal(err)
		}
		if cd.Challenge != base64.RawURLEncoding.EncodeToString(doc[:]) || cd.Type != "webauthn.get" || cd.Origin != origin {
			t.Fatalf("client data %s does not carry the document hash", a.ClientDataJSON)
		}

		// Verify independently of the library: the returned COSE key is the
		// authenticator's, and the signature is ECDSA P-256 over
		// authData || SHA-256(clientDataJSON).
		pub := &f.auth.Credentials()[0].Key.PublicKey
		if !slices.Equal(a.PublicKey, passkeytest.COSEKey(pub)) {
			t.Fatal("returned public key is not the credential's")
		}
		rp := sha256.Sum256([]byte(rpID))
		if !slices.Equal(a.AuthenticatorData[:32], rp[:]) {
			t.Fatal("authenticator data is not for this RP")
		}
		cdHash := sha256.Sum256(a.ClientDataJSON)
		digest := sha256.Sum256(slices.Concat(a.AuthenticatorData, cdHash[:]))
		if !ecdsa.VerifyASN1(pub, digest[:], a.Signature) {
			t.Fatal("signature does not verify with crypto/ecdsa")
		}
		if err := a.Verify(rpID, origin); err != nil {
			t.Fatalf("Assertion.Verify: %v", err)
		}

		// Any change to what was signed is caught offline.
		other := sha256.Sum256([]byte("order ord_123: pay 4200.00 EUR"))
		forged := []Assertion{a, a, a, a}
		forged[0].Challenge = other[:]
		forged[1].Signature = slices.Clone(a.Signature)
		forged[1].Signature[len(forged[1].Signature)-1] ^= 1
		forged[2].PublicKey = passkeytest.COSEKey(&passkeytest.NewKey().PublicKey)
		forged[3].ClientDataJSON = slices.Concat(a.ClientDataJSON[:len(a.ClientDataJSON)-1], []byte(` `), a.ClientDataJSON[len(a.ClientDataJSON)-1:])
		for i, fa := range forged {
			if err := fa.Verify(rpID, origin); !errors.Is(err, ErrInvalidResponse) {
				t.Errorf("forged assertion %d verifies: %v", i, err)
			}
		}
		if err := a.Verify("evil.example", origin); err == nil {
			t.Error("assertion verifies for another RP")
		}
		if err := a.Verify(rpID, "https://evil.example"); err == nil {
			t.Error("assertion verifies for another origin")
		}

		if _, _, err := f.svc.BeginSign(f.ctx, f.alice.AccountID, doc[:31]); err == nil {
			t.Error("BeginSign accepted a 31-byte challenge")
		}
	})
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	rand.Read(b)
	return b
}

// TestStatic checks that the browser script is embedded and needs nothing
// a strict CSP forbids.
func TestStatic(t *testing.T) {
	js, err := Static.ReadFile("static/passkey.js")
	if err != nil {
		t.Fatal(err)
	}
	for _, banned := range []string{"eval(", "new Function", "innerHTML", "document.write"} {
		if strings.Contains(string(js), banned) {
			t.Errorf("passkey.js uses %s", banned)
		}
	}
}
