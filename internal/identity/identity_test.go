package identity_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/citadel-store/citadel/internal/audit"
	"github.com/citadel-store/citadel/internal/authz"
	"github.com/citadel-store/citadel/internal/identity"
	"github.com/citadel-store/citadel/internal/identity/password"
	"github.com/citadel-store/citadel/internal/keyring"
	"github.com/citadel-store/citadel/internal/notify"
	"github.com/citadel-store/citadel/internal/notify/notifytest"
	"github.com/citadel-store/citadel/internal/store"
	"github.com/citadel-store/citadel/internal/storetest"
)

func TestMain(m *testing.M) { os.Exit(storetest.Main(m)) }

type fixture struct {
	svc  *identity.Service
	db   *store.DB
	smtp *notifytest.SMTP
	deps deps
}

type deps struct {
	keys   *keyring.Keyring
	hasher *password.Hasher
	policy *password.Policy
	mailer notify.Mailer
}

// withClock returns a second service over the same database and mail,
// reading time from now.
func (f *fixture) withClock(t *testing.T, db *store.DB, now func() time.Time) *identity.Service {
	return identity.New(identity.Config{BaseURL: "https://shop.test", Now: now}, db, f.deps.keys, f.deps.hasher, f.deps.policy,
		audit.NewRecorder(f.deps.keys), f.deps.mailer)
}

func newVerifiedWith(t *testing.T, svc *identity.Service, f *fixture, email string) {
	t.Helper()
	ctx := context.Background()
	if err := svc.Register(ctx, email, goodPassword, meta); err != nil {
		t.Fatal(err)
	}
	if err := svc.VerifyEmail(ctx, f.token(t, email, "/verify"), meta); err != nil {
		t.Fatal(err)
	}
}

func newFixture(t *testing.T, db *store.DB) *fixture {
	t.Helper()
	ctx := context.Background()
	m, err := keyring.CreateMasterFile(filepath.Join(t.TempDir(), "master.key"))
	if err != nil {
		t.Fatal(err)
	}
	keys, err := keyring.Open(ctx, db, m)
	if err != nil {
		t.Fatal(err)
	}
	policy, err := password.LoadPolicy()
	if err != nil {
		t.Fatal(err)
	}
	srv := notifytest.StartSMTP(t, notifytest.SMTPOptions{})
	mailer, err := notify.NewSMTP(notify.SMTPConfig{Addr: srv.Addr, From: "Citadel <no-reply@citadel.test>", Insecure: true})
	if err != nil {
		t.Fatal(err)
	}
	hasher := password.NewHasher(password.Params{Memory: 8 * 1024, Time: 1, Threads: 1}, 64<<20, 5*time.Second)
	svc := identity.New(identity.Config{BaseURL: "https://shop.test"}, db, keys, hasher, policy, audit.NewRecorder(keys), mailer)
	return &fixture{svc: svc, db: db, smtp: srv, deps: deps{keys, hasher, policy, mailer}}
}

var meta = identity.RequestMeta{IP: "198.51.100.7", UserAgent: "test-agent", RequestID: "req-1"}

const goodPassword = "violet otter ladder 42"

func (f *fixture) token(t *testing.T, to, prefix string) string {
	t.Helper()
	link := f.smtp.WaitFor(t, to, 5*time.Second).Link("https://shop.test" + prefix)
	_, tok, ok := strings.Cut(link, "token=")
	if !ok {
		t.Fatalf("no %s link in mail to %s", prefix, to)
	}
	return tok
}

func TestRegisterVerifySignInSignOut(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		if err := f.svc.Register(ctx, "Alice@Example.com", goodPassword, meta); err != nil {
			t.Fatal(err)
		}
		if _, _, err := f.svc.SignIn(ctx, "alice@example.com", goodPassword, meta); !errors.Is(err, identity.ErrEmailNotVerified) {
			t.Fatalf("sign-in before verification: %v", err)
		}
		tok := f.token(t, "alice@example.com", "/verify")
		if err := f.svc.VerifyEmail(ctx, tok, meta); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.VerifyEmail(ctx, tok, meta); !errors.Is(err, identity.ErrInvalidToken) {
			t.Fatalf("verification link reused: %v", err)
		}
		sess, secret, err := f.svc.SignIn(ctx, "alice@example.com", goodPassword, meta)
		if err != nil {
			t.Fatal(err)
		}
		if sess.Account.Email != "alice@example.com" || len(sess.Account.Roles) != 1 || sess.Account.Roles[0] != authz.Customer {
			t.Fatalf("account %+v", sess.Account)
		}
		if sess.Idle != 30*time.Minute {
			t.Fatalf("customer idle timeout %s", sess.Idle)
		}
		got, err := f.svc.Session(ctx, secret)
		if err != nil || got.Account.ID != sess.Account.ID {
			t.Fatalf("Session: %v", err)
		}
		last := "A"
		if strings.HasSuffix(secret, "A") {
			last = "B"
		}
		if _, err := f.svc.Session(ctx, secret[:len(secret)-1]+last); !errors.Is(err, identity.ErrNoSession) {
			t.Fatal("altered session secret accepted")
		}
		if err := f.svc.SignOut(ctx, got, meta); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Session(ctx, secret); !errors.Is(err, identity.ErrNoSession) {
			t.Fatal("session alive after sign-out")
		}
		// Registering the same address again reveals nothing and tells the owner.
		if err := f.svc.Register(ctx, "alice@example.com", "another fine passphrase", meta); err != nil {
			t.Fatalf("duplicate registration answered %v", err)
		}
		f.svc.Close() // wait for background mail
		found := false
		for _, r := range f.smtp.Messages() {
			found = found || strings.Contains(r.Subject, "tried to register")
		}
		if !found {
			t.Fatal("owner not told of the duplicate registration")
		}
		// The audit outbox has the story, and never the password or address.
		entries, _ := audit.Recent(ctx, db, 50)
		actions := map[string]bool{}
		for _, e := range entries {
			actions[e.Action] = true
			if strings.Contains(e.Body, goodPassword) || strings.Contains(e.Body, "alice@") || strings.Contains(e.Body, "198.51.100.7") {
				t.Fatalf("audit entry leaks: %s", e.Body)
			}
		}
		for _, a := range []string{"account.register", "account.email_verified", "auth.signin", "auth.signout"} {
			if !actions[a] {
				t.Errorf("no %s event", a)
			}
		}
	})
}

func TestRegisterRefusals(t *testing.T) {
	f := newFixture(t, storetest.Open(t, store.SQLite))
	ctx := context.Background()
	for _, tc := range []struct {
		name, email, pw string
		want            error
	}{
		{"fail/bad-email", "not-an-email", goodPassword, identity.ErrInvalidEmail},
		{"fail/email-with-name", "Bob <bob@example.com>", goodPassword, identity.ErrInvalidEmail},
		{"fail/short-password", "bob@example.com", "short", password.ErrTooShort},
		{"fail/common-password", "bob@example.com", "password1234", password.ErrCommon},
		{"fail/password-has-local-part", "bobby@example.com", "i am bobby and proud", password.ErrHasEmail},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := f.svc.Register(ctx, tc.email, tc.pw, meta); !errors.Is(err, tc.want) {
				t.Fatalf("Register = %v, want %v", err, tc.want)
			}
		})
	}
	var n int
	f.db.QueryRow(ctx, `SELECT count(*) FROM accounts`).Scan(&n)
	if n != 0 {
		t.Fatalf("%d accounts created by refused registrations", n)
	}
}

func newVerified(t *testing.T, f *fixture, email string) {
	t.Helper()
	ctx := context.Background()
	if err := f.svc.Register(ctx, email, goodPassword, meta); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.VerifyEmail(ctx, f.token(t, email, "/verify"), meta); err != nil {
		t.Fatal(err)
	}
}

// After MaxFailures wrong passwords, the right password alone no longer
// signs in: it leads only to the second-factor step; the emailed link
// lifts the block too.
func TestLockoutNeedsEmailedProof(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		newVerified(t, f, "carol@example.com")
		for i := range identity.MaxFailures {
			m := meta
			m.IP = "203.0.113." + string(rune('1'+i%9)) // spread over sources
			if _, _, err := f.svc.SignIn(ctx, "carol@example.com", "wrong password number x", m); !errors.Is(err, identity.ErrInvalidCredentials) {
				t.Fatalf("attempt %d: %v", i, err)
			}
		}
		sess, _, err := f.svc.SignIn(ctx, "carol@example.com", goodPassword, meta)
		if err != nil || !sess.Pending {
			t.Fatalf("right password alone after lockout: pending=%v err=%v", sess != nil && sess.Pending, err)
		}
		tok := ""
		f.svc.Close() // wait for background mail
		for _, m := range f.smtp.Messages() {
			if l := m.Link("https://shop.test/unlock"); l != "" {
				_, tok, _ = strings.Cut(l, "token=")
			}
		}
		if tok == "" {
			t.Fatal("no unlock link mailed")
		}
		if err := f.svc.Unlock(ctx, tok, meta); err != nil {
			t.Fatal(err)
		}
		if sess, _, err := f.svc.SignIn(ctx, "carol@example.com", goodPassword, meta); err != nil || sess.Pending {
			t.Fatalf("after unlock: %v", err)
		}
	})
}

func TestPasswordResetRevokesSessions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		newVerified(t, f, "dave@example.com")
		_, secret, err := f.svc.SignIn(ctx, "dave@example.com", goodPassword, meta)
		if err != nil {
			t.Fatal(err)
		}
		if err := f.svc.RequestPasswordReset(ctx, "dave@example.com", meta); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.RequestPasswordReset(ctx, "nobody@example.com", meta); err != nil {
			t.Fatalf("reset for an unknown address answered differently: %v", err)
		}
		var tok string
		f.svc.Close() // wait for background mail
		for _, m := range f.smtp.Messages() {
			if l := m.Link("https://shop.test/reset/confirm"); l != "" {
				_, tok, _ = strings.Cut(l, "token=")
			}
		}
		if err := f.svc.ResetPassword(ctx, tok, "password1234", meta); !errors.Is(err, password.ErrCommon) {
			t.Fatalf("weak reset password: %v", err)
		}
		if err := f.svc.ResetPassword(ctx, tok, "a brand new passphrase", meta); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.ResetPassword(ctx, tok, "yet another passphrase", meta); !errors.Is(err, identity.ErrInvalidToken) {
			t.Fatalf("reset link reused: %v", err)
		}
		if _, err := f.svc.Session(ctx, secret); !errors.Is(err, identity.ErrNoSession) {
			t.Fatal("session survived a password reset")
		}
		if _, _, err := f.svc.SignIn(ctx, "dave@example.com", "a brand new passphrase", meta); err != nil {
			t.Fatal(err)
		}
	})
}

// Unknown and known emails get the same answer after the same work: one
// argon2id verification each (the dummy hash for unknown accounts has the
// production parameters), and no mail sent while the client waits.
func TestUnknownAndKnownEmailsLookAlike(t *testing.T) {
	f := newFixture(t, storetest.Open(t, store.SQLite))
	ctx := context.Background()
	newVerified(t, f, "erin@example.com")
	v0 := f.deps.hasher.Verifications()
	_, _, errKnown := f.svc.SignIn(ctx, "erin@example.com", "not the password at all", meta)
	v1 := f.deps.hasher.Verifications()
	_, _, errUnknown := f.svc.SignIn(ctx, "ghost@example.com", "not the password at all", meta)
	v2 := f.deps.hasher.Verifications()
	if errKnown == nil || errKnown.Error() != errUnknown.Error() {
		t.Fatalf("known: %v, unknown: %v", errKnown, errUnknown)
	}
	if v1-v0 != 1 || v2-v1 != 1 {
		t.Fatalf("verifications: known %d, unknown %d; want 1 and 1", v1-v0, v2-v1)
	}
	// Reset requests answer alike too.
	if err := f.svc.RequestPasswordReset(ctx, "erin@example.com", meta); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.RequestPasswordReset(ctx, "ghost@example.com", meta); err != nil {
		t.Fatal(err)
	}
}

func TestCreateUserEnrol(t *testing.T) {
	f := newFixture(t, storetest.Open(t, store.SQLite))
	ctx := context.Background()
	link, err := f.svc.CreateUser(ctx, "admin@example.com", authz.PlatformAdmin, meta)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.svc.SignIn(ctx, "admin@example.com", "", meta); !errors.Is(err, identity.ErrInvalidCredentials) {
		t.Fatal("account without a password signed in")
	}
	_, tok, _ := strings.Cut(link, "token=")
	if err := f.svc.Enrol(ctx, tok, goodPassword, meta); err != nil {
		t.Fatal(err)
	}
	sess, _, err := f.svc.SignIn(ctx, "admin@example.com", goodPassword, meta)
	if err != nil {
		t.Fatal(err)
	}
	if sess.Idle != 15*time.Minute {
		t.Fatalf("staff idle timeout %s, want 15m", sess.Idle)
	}
	if _, err := f.svc.CreateUser(ctx, "x@example.com", authz.Role("root"), meta); err == nil {
		t.Fatal("unknown role accepted")
	}
}
