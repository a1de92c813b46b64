package identity_test

import (
	"context"
	"encoding/base32"
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/citadel-store/citadel/internal/authz"
	"github.com/citadel-store/citadel/internal/identity"
	"github.com/citadel-store/citadel/internal/store"
	"github.com/citadel-store/citadel/internal/storetest"
)

var codeRe = regexp.MustCompile(`code is (\d{6})`)

func (f *fixture) emailCode(t *testing.T, to string) string {
	t.Helper()
	f.svc.Close() // wait for background mail
	msgs := f.smtp.Messages()
	for i := len(msgs) - 1; i >= 0; i-- {
		if msgs[i].To[0] == to {
			if m := codeRe.FindStringSubmatch(msgs[i].Body); m != nil {
				return m[1]
			}
		}
	}
	t.Fatalf("no code mailed to %s", to)
	return ""
}

func totpCode(t *testing.T, secret []byte, at time.Time) string {
	t.Helper()
	c, err := totp.GenerateCode(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(secret), at)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// Enrol TOTP (after an emailed step-up), then sign in with the password
// and the app's code; a code works once; a recovery code works once.
func TestTOTPEnrolAndSignIn(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		const email = "frank@example.com"
		newVerified(t, f, email)
		sess, _, err := f.svc.SignIn(ctx, email, goodPassword, meta)
		if err != nil || sess.Pending {
			t.Fatalf("customer without factors: pending=%v err=%v", sess != nil && sess.Pending, err)
		}
		if _, err := f.svc.BeginTOTP(ctx, sess, meta); !errors.Is(err, identity.ErrStepUpRequired) {
			t.Fatalf("enrol without step-up: %v", err)
		}
		if err := f.svc.SendEmailCode(ctx, sess, meta); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.StepUp(ctx, sess, identity.MethodEmail, "000000", meta); !errors.Is(err, identity.ErrBadFactor) {
			// one in a million the real code is 000000
			t.Logf("wrong email code: %v", err)
		}
		if err := f.svc.StepUp(ctx, sess, identity.MethodEmail, f.emailCode(t, email), meta); err != nil {
			t.Fatal(err)
		}
		key, err := f.svc.BeginTOTP(ctx, sess, meta)
		if err != nil {
			t.Fatal(err)
		}
		now := time.Now()
		recovery, err := f.svc.ConfirmTOTP(ctx, sess, totpCode(t, key.Secret, now.Add(-30*time.Second)), meta)
		if err != nil || len(recovery) != 10 {
			t.Fatalf("confirm: %v (%d codes)", err, len(recovery))
		}

		pending, psecret, err := f.svc.SignIn(ctx, email, goodPassword, meta)
		if err != nil || !pending.Pending {
			t.Fatalf("sign-in with TOTP set: pending=%v err=%v", pending != nil && pending.Pending, err)
		}
		if _, err := f.svc.Session(ctx, psecret); !errors.Is(err, identity.ErrNoSession) {
			t.Fatal("a pending session opens the account")
		}
		p2, err := f.svc.PendingSession(ctx, psecret)
		if err != nil {
			t.Fatal(err)
		}
		code := totpCode(t, key.Secret, now)
		full, fsecret, err := f.svc.CompleteSignIn(ctx, p2, identity.MethodTOTP, code, meta)
		if err != nil {
			t.Fatal(err)
		}
		if fsecret == psecret || full.MFAAt.IsZero() {
			t.Fatal("session ID did not change at the second factor, or MFA time missing")
		}
		if _, err := f.svc.PendingSession(ctx, psecret); err == nil {
			t.Fatal("pending session still usable after completion")
		}
		// fail/replayed-totp: the same code again is refused.
		p3, p3secret, _ := f.svc.SignIn(ctx, email, goodPassword, meta)
		p3, _ = f.svc.PendingSession(ctx, p3secret)
		if _, _, err := f.svc.CompleteSignIn(ctx, p3, identity.MethodTOTP, code, meta); !errors.Is(err, identity.ErrBadFactor) {
			t.Fatalf("replayed TOTP: %v", err)
		}
		// A recovery code works once.
		if _, _, err := f.svc.CompleteSignIn(ctx, p3, identity.MethodRecovery, strings.ToUpper(recovery[3]), meta); err != nil {
			t.Fatalf("recovery code: %v", err)
		}
		p4, p4secret, _ := f.svc.SignIn(ctx, email, goodPassword, meta)
		p4, _ = f.svc.PendingSession(ctx, p4secret)
		if _, _, err := f.svc.CompleteSignIn(ctx, p4, identity.MethodRecovery, recovery[3], meta); !errors.Is(err, identity.ErrBadFactor) {
			t.Fatalf("reused recovery code: %v", err)
		}
		fs, _ := f.svc.Factors(ctx, full.Account.ID)
		if !fs.TOTP || fs.RecoveryLeft != 9 {
			t.Fatalf("factors %+v", fs)
		}
	})
}

// Staff always pass a second factor, even with none set up (email code).
func TestStaffNeedMFA(t *testing.T) {
	f := newFixture(t, storetest.Open(t, store.SQLite))
	ctx := context.Background()
	link, _ := f.svc.CreateUser(ctx, "ops@example.com", authz.Support, meta)
	_, tok, _ := strings.Cut(link, "token=")
	if err := f.svc.Enrol(ctx, tok, goodPassword, meta); err != nil {
		t.Fatal(err)
	}
	pending, _, err := f.svc.SignIn(ctx, "ops@example.com", goodPassword, meta)
	if err != nil || !pending.Pending {
		t.Fatalf("staff sign-in without second factor: %v", err)
	}
	if err := f.svc.SendEmailCode(ctx, pending, meta); err != nil {
		t.Fatal(err)
	}
	// fail/email-code-attempts: five wrong tries burn the code.
	code := f.emailCode(t, "ops@example.com")
	wrong := "000000"
	if code == wrong {
		wrong = "111111"
	}
	for range 5 {
		f.svc.CompleteSignIn(ctx, pending, identity.MethodEmail, wrong, meta)
	}
	if _, _, err := f.svc.CompleteSignIn(ctx, pending, identity.MethodEmail, code, meta); !errors.Is(err, identity.ErrBadFactor) {
		t.Fatalf("code still good after 5 wrong tries: %v", err)
	}
	f.svc.SendEmailCode(ctx, pending, meta)
	full, _, err := f.svc.CompleteSignIn(ctx, pending, identity.MethodEmail, f.emailCode(t, "ops@example.com"), meta)
	if err != nil || full.Idle != 15*time.Minute {
		t.Fatalf("staff second factor: %v", err)
	}
}

func TestChangePasswordNeedsStepUp(t *testing.T) {
	f := newFixture(t, storetest.Open(t, store.SQLite))
	ctx := context.Background()
	newVerified(t, f, "gina@example.com")
	sess, _, _ := f.svc.SignIn(ctx, "gina@example.com", goodPassword, meta)
	_, other, _ := f.svc.SignIn(ctx, "gina@example.com", goodPassword, meta)
	if err := f.svc.ChangePassword(ctx, sess, goodPassword, "a different passphrase", meta); !errors.Is(err, identity.ErrStepUpRequired) {
		t.Fatalf("without step-up: %v", err)
	}
	f.svc.SendEmailCode(ctx, sess, meta)
	if err := f.svc.StepUp(ctx, sess, identity.MethodEmail, f.emailCode(t, "gina@example.com"), meta); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.ChangePassword(ctx, sess, "not the current one", "a different passphrase", meta); !errors.Is(err, identity.ErrInvalidCredentials) {
		t.Fatalf("wrong current password: %v", err)
	}
	if err := f.svc.ChangePassword(ctx, sess, goodPassword, "a different passphrase", meta); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Session(ctx, other); !errors.Is(err, identity.ErrNoSession) {
		t.Fatal("other session survived a password change")
	}
}

func TestEmailChangeNeedsBothAddresses(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		newVerified(t, f, "old@example.com")
		newVerified(t, f, "taken@example.com")
		sess, _, _ := f.svc.SignIn(ctx, "old@example.com", goodPassword, meta)
		if err := f.svc.RequestEmailChange(ctx, sess, "new@example.com", meta); !errors.Is(err, identity.ErrStepUpRequired) {
			t.Fatalf("without step-up: %v", err)
		}
		f.svc.SendEmailCode(ctx, sess, meta)
		if err := f.svc.StepUp(ctx, sess, identity.MethodEmail, f.emailCode(t, "old@example.com"), meta); err != nil {
			t.Fatal(err)
		}
		// fail/address-taken: same answer, nothing pending.
		if err := f.svc.RequestEmailChange(ctx, sess, "taken@example.com", meta); err != nil {
			t.Fatalf("taken address answered %v", err)
		}
		if err := f.svc.RequestEmailChange(ctx, sess, "new@example.com", meta); err != nil {
			t.Fatal(err)
		}
		link := func(to string) string {
			f.svc.Close() // wait for background mail
			for _, m := range f.smtp.Messages() {
				if m.To[0] == to {
					if l := m.Link("https://shop.test/email/confirm"); l != "" {
						_, tok, _ := strings.Cut(l, "token=")
						return tok
					}
				}
			}
			t.Fatalf("no confirmation mailed to %s", to)
			return ""
		}
		if done, err := f.svc.ConfirmEmailChange(ctx, link("new@example.com"), meta); err != nil || done {
			t.Fatalf("one confirmation applied the change: %v %v", done, err)
		}
		if _, _, err := f.svc.SignIn(ctx, "new@example.com", goodPassword, meta); err == nil {
			t.Fatal("new address signs in before both confirmed")
		}
		if done, err := f.svc.ConfirmEmailChange(ctx, link("old@example.com"), meta); err != nil || !done {
			t.Fatalf("second confirmation: %v %v", done, err)
		}
		if _, _, err := f.svc.SignIn(ctx, "new@example.com", goodPassword, meta); err != nil {
			t.Fatalf("new address: %v", err)
		}
		if _, _, err := f.svc.SignIn(ctx, "old@example.com", goodPassword, meta); !errors.Is(err, identity.ErrInvalidCredentials) {
			t.Fatalf("old address still signs in: %v", err)
		}
	})
}
