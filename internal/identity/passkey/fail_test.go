package passkey

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/citadel-store/citadel/internal/identity/passkey/passkeytest"
	"github.com/citadel-store/citadel/internal/store"
	"github.com/citadel-store/citadel/internal/storetest"
)

// snapshot is everything a refused ceremony must leave as it was.
type snapshot struct {
	alice, bob []Credential
	events     int
}

func (f *fixture) snapshot(t testing.TB) snapshot {
	return snapshot{f.list(t, f.alice), f.list(t, f.bob), len(f.events)}
}

// TestFailures runs each attack on a fresh database of each engine, where
// alice has one passkey already used once (counter 1), and checks that it
// is refused with the right error and that nothing changed.
func TestFailures(t *testing.T) {
	type run func(t *testing.T, f *fixture, checkpoint func()) error
	cases := []struct {
		name string
		run  run
		want error
	}{
		{"fail/wrong-origin", func(t *testing.T, f *fixture, _ func()) error {
			_, err := f.login(t, f.auth, f.alice.AccountID, passkeytest.WithOrigin("https://shop.example.evil"))
			return err
		}, ErrInvalidResponse},
		{"fail/wrong-challenge", func(t *testing.T, f *fixture, _ func()) error {
			_, err := f.login(t, f.auth, f.alice.AccountID, passkeytest.WithChallenge(randomBytes(32)))
			return err
		}, ErrInvalidResponse},
		{"fail/replayed-state", func(t *testing.T, f *fixture, checkpoint func()) error {
			options, state, err := f.svc.BeginLogin(f.ctx, f.alice.AccountID)
			if err != nil {
				t.Fatal(err)
			}
			resp, _ := f.auth.Assert(options)
			if _, err := f.svc.FinishLogin(f.ctx, state, resp); err != nil {
				t.Fatalf("first use: %v", err)
			}
			checkpoint()
			resp, _ = f.auth.Assert(options) // a fresh, higher counter
			_, err = f.svc.FinishLogin(f.ctx, state, resp)
			return err
		}, ErrChallengeExpired},
		{"fail/state-burnt-by-failed-attempt", func(t *testing.T, f *fixture, _ func()) error {
			options, state, _ := f.svc.BeginLogin(f.ctx, f.alice.AccountID)
			bad, _ := f.auth.Assert(options, passkeytest.WithSigner(passkeytest.NewKey()))
			if _, err := f.svc.FinishLogin(f.ctx, state, bad); !errors.Is(err, ErrInvalidResponse) {
				t.Fatalf("forged attempt = %v", err)
			}
			good, _ := f.auth.Assert(options)
			_, err := f.svc.FinishLogin(f.ctx, state, good)
			return err
		}, ErrChallengeExpired},
		{"fail/expired-state", func(t *testing.T, f *fixture, _ func()) error {
			options, state, _ := f.svc.BeginLogin(f.ctx, f.alice.AccountID)
			resp, _ := f.auth.Assert(options)
			later := time.Now().Add(challengeTTL + time.Second)
			f.svc.now = func() time.Time { return later }
			_, err := f.svc.FinishLogin(f.ctx, state, resp)
			return err
		}, ErrChallengeExpired},
		{"fail/unknown-state", func(t *testing.T, f *fixture, _ func()) error {
			options, _, _ := f.svc.BeginLogin(f.ctx, f.alice.AccountID)
			resp, _ := f.auth.Assert(options)
			_, err := f.svc.FinishLogin(f.ctx, "not-a-state", resp)
			return err
		}, ErrChallengeExpired},
		{"fail/sign-state-used-for-login", func(t *testing.T, f *fixture, _ func()) error {
			options, state, err := f.svc.BeginSign(f.ctx, f.alice.AccountID, randomBytes(32))
			if err != nil {
				t.Fatal(err)
			}
			resp, _ := f.auth.Assert(options)
			_, err = f.svc.FinishLogin(f.ctx, state, resp)
			return err
		}, ErrChallengeExpired},
		{"fail/login-state-used-for-sign", func(t *testing.T, f *fixture, _ func()) error {
			options, state, _ := f.svc.BeginLogin(f.ctx, f.alice.AccountID)
			resp, _ := f.auth.Assert(options)
			_, err := f.svc.FinishSign(f.ctx, state, resp)
			return err
		}, ErrChallengeExpired},
		{"fail/counter-not-increasing", func(t *testing.T, f *fixture, _ func()) error {
			_, err := f.login(t, f.auth, f.alice.AccountID, passkeytest.WithCounter(1))
			return err
		}, ErrCloneSuspected},
		{"fail/counter-reset-to-zero", func(t *testing.T, f *fixture, _ func()) error {
			_, err := f.login(t, f.auth, f.alice.AccountID, passkeytest.WithCounter(0))
			return err
		}, ErrCloneSuspected},
		{"fail/signature-by-other-key", func(t *testing.T, f *fixture, _ func()) error {
			_, err := f.login(t, f.auth, f.alice.AccountID, passkeytest.WithSigner(passkeytest.NewKey()))
			return err
		}, ErrInvalidResponse},
		{"fail/rp-id-hash-mismatch", func(t *testing.T, f *fixture, _ func()) error {
			_, err := f.login(t, f.auth, f.alice.AccountID, passkeytest.WithRPID("evil.example"))
			return err
		}, ErrInvalidResponse},
		{"fail/client-data-type-create", func(t *testing.T, f *fixture, _ func()) error {
			_, err := f.login(t, f.auth, f.alice.AccountID, passkeytest.WithClientDataType("webauthn.create"))
			return err
		}, ErrInvalidResponse},
		{"fail/user-not-present", func(t *testing.T, f *fixture, _ func()) error {
			_, err := f.login(t, f.auth, f.alice.AccountID, passkeytest.WithFlags(passkeytest.FlagUV))
			return err
		}, ErrInvalidResponse},
		{"fail/passwordless-without-user-verification", func(t *testing.T, f *fixture, _ func()) error {
			_, err := f.login(t, f.auth, "", passkeytest.WithFlags(passkeytest.FlagUP))
			return err
		}, ErrInvalidResponse},
		{"fail/other-accounts-credential-as-second-factor", func(t *testing.T, f *fixture, checkpoint func()) error {
			bobAuth := passkeytest.New(origin)
			f.register(t, bobAuth, f.bob)
			checkpoint()
			// Alice's authenticator answers a challenge issued for bob.
			aliceCred := f.auth.Credentials()[0].ID
			_, err := f.login(t, f.auth, f.bob.AccountID, passkeytest.WithCredential(aliceCred))
			return err
		}, ErrInvalidResponse},
		{"fail/discoverable-user-handle-of-other-account", func(t *testing.T, f *fixture, _ func()) error {
			f.auth.Credentials()[0].UserHandle = []byte(f.bob.AccountID)
			_, err := f.login(t, f.auth, "")
			return err
		}, ErrInvalidResponse},
		{"fail/unknown-credential", func(t *testing.T, f *fixture, _ func()) error {
			stranger := passkeytest.New(origin) // its credential is registered nowhere
			opts := []byte(`{"publicKey":{"challenge":"AAAAAAAAAAAAAAAAAAAAAA","rp":{"id":"shop.example"},"user":{"id":"dXNlcg"}}}`)
			if _, _, err := stranger.Register(opts); err != nil {
				t.Fatal(err)
			}
			_, err := f.login(t, stranger, "")
			return err
		}, ErrInvalidResponse},
		{"fail/remove-other-accounts-credential", func(t *testing.T, f *fixture, _ func()) error {
			id := f.list(t, f.alice)[0].ID
			return f.svc.Remove(f.ctx, f.bob.AccountID, id)
		}, ErrNotFound},
		{"fail/register-wrong-origin", func(t *testing.T, f *fixture, _ func()) error {
			opts, state, _ := f.svc.BeginRegistration(f.ctx, f.alice)
			resp, _, _ := passkeytest.New("https://evil.example").Register(opts)
			_, err := f.svc.FinishRegistration(f.ctx, f.alice, state, resp, "x")
			return err
		}, ErrInvalidResponse},
		{"fail/register-rp-id-hash-mismatch", func(t *testing.T, f *fixture, _ func()) error {
			opts, state, _ := f.svc.BeginRegistration(f.ctx, f.alice)
			resp, _, _ := f.auth.Register(opts, passkeytest.WithRPID("evil.example"))
			_, err := f.svc.FinishRegistration(f.ctx, f.alice, state, resp, "x")
			return err
		}, ErrInvalidResponse},
		{"fail/register-wrong-challenge", func(t *testing.T, f *fixture, _ func()) error {
			opts, state, _ := f.svc.BeginRegistration(f.ctx, f.alice)
			resp, _, _ := f.auth.Register(opts, passkeytest.WithChallenge(randomBytes(32)))
			_, err := f.svc.FinishRegistration(f.ctx, f.alice, state, resp, "x")
			return err
		}, ErrInvalidResponse},
		{"fail/register-state-of-other-account", func(t *testing.T, f *fixture, _ func()) error {
			opts, state, _ := f.svc.BeginRegistration(f.ctx, f.alice)
			resp, _, _ := f.auth.Register(opts)
			_, err := f.svc.FinishRegistration(f.ctx, f.bob, state, resp, "x")
			return err
		}, ErrChallengeExpired},
		{"fail/register-replayed-state", func(t *testing.T, f *fixture, checkpoint func()) error {
			opts, state, _ := f.svc.BeginRegistration(f.ctx, f.alice)
			resp, _, _ := f.auth.Register(opts)
			if _, err := f.svc.FinishRegistration(f.ctx, f.alice, state, resp, "x"); err != nil {
				t.Fatal(err)
			}
			checkpoint()
			resp, _, _ = f.auth.Register(opts)
			_, err := f.svc.FinishRegistration(f.ctx, f.alice, state, resp, "y")
			return err
		}, ErrChallengeExpired},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, db *store.DB) {
				f := newFixture(t, db)
				f.register(t, f.auth, f.alice)
				if _, err := f.login(t, f.auth, f.alice.AccountID); err != nil {
					t.Fatal(err)
				}
				before := f.snapshot(t)
				err := c.run(t, f, func() { before = f.snapshot(t) })
				t.Logf("refused: %v", err)
				if !errors.Is(err, c.want) {
					t.Fatalf("err = %v, want %v", err, c.want)
				}
				if after := f.snapshot(t); !reflect.DeepEqual(before, after) {
					t.Fatalf("a refused ceremony changed state:\nbefore %+v\nafter  %+v", before, after)
				}
			})
		})
	}
}

// TestStateRace finishes one sign-in state from many goroutines at once,
// each with a valid response: exactly one may win.
func TestStateRace(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		f.register(t, f.auth, f.alice)
		options, state, err := f.svc.BeginLogin(f.ctx, f.alice.AccountID)
		if err != nil {
			t.Fatal(err)
		}
		const n = 8
		resps := make([][]byte, n)
		for i := range resps {
			resps[i], _ = f.auth.Assert(options)
		}
		errs := make(chan error, n)
		for _, r := range resps {
			go func() {
				_, err := f.svc.FinishLogin(f.ctx, state, r)
				errs <- err
			}()
		}
		wins := 0
		for range n {
			err := <-errs
			switch {
			case err == nil:
				wins++
			case !errors.Is(err, ErrChallengeExpired):
				t.Errorf("loser got %v", err)
			}
		}
		if wins != 1 {
			t.Fatalf("%d goroutines finished the same state", wins)
		}
	})
}
