package identity_test

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/citadel-store/citadel/internal/authz"
	"github.com/citadel-store/citadel/internal/identity"
	"github.com/citadel-store/citadel/internal/notify"
	"github.com/citadel-store/citadel/internal/notify/notifytest"
	"github.com/citadel-store/citadel/internal/store"
	"github.com/citadel-store/citadel/internal/storetest"
)

var smsCodeRe = regexp.MustCompile(`(\d{6})`)

// A phone confirmed by a texted code becomes a second factor, and finds
// the account through its blind index.
func TestSMSFactor(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		tw := notifytest.StartTwilio(t)
		sender, err := notify.NewTwilio(notify.TwilioConfig{BaseURL: tw.URL, AccountSID: tw.AccountSID, AuthToken: tw.AuthToken, From: tw.From})
		if err != nil {
			t.Fatal(err)
		}
		f.svc.WithSMS(sender)
		const email, phone = "phoebe@example.com", "+447700900123"
		newVerified(t, f, email)
		sess, _, _ := f.svc.SignIn(ctx, email, goodPassword, meta)
		if err := f.svc.SetPhone(ctx, sess, phone, meta); !errors.Is(err, identity.ErrStepUpRequired) {
			t.Fatalf("without step-up: %v", err)
		}
		f.svc.SendEmailCode(ctx, sess, meta)
		f.svc.StepUp(ctx, sess, identity.MethodEmail, f.emailCode(t, email), meta)
		for _, bad := range []string{"12345", "0044 7700 900123", "+1", "+12345678901234567", "+44 77OO 900123"} {
			if err := f.svc.SetPhone(ctx, sess, bad, meta); !errors.Is(err, identity.ErrInvalidPhone) {
				t.Errorf("SetPhone(%q) = %v", bad, err)
			}
		}
		if err := f.svc.SetPhone(ctx, sess, "+44 7700 900123", meta); err != nil {
			t.Fatal(err)
		}
		code := smsCodeRe.FindString(tw.WaitFor(t, phone, 5*time.Second).Body)
		if err := f.svc.ConfirmPhone(ctx, sess, code, meta); err != nil {
			t.Fatal(err)
		}
		if id, err := f.svc.AccountIDByPhone(ctx, "+44 7700 900123"); err != nil || id != sess.Account.ID {
			t.Fatalf("lookup by phone: %q %v", id, err)
		}
		// The phone works as a second factor once the account has one
		// (TOTP here is not set, so prove it through step-up).
		if err := f.svc.SendSMSCode(ctx, sess, meta); err != nil {
			t.Fatal(err)
		}
		msgs := tw.Messages()
		code = smsCodeRe.FindString(msgs[len(msgs)-1].Body)
		if err := f.svc.StepUp(ctx, sess, identity.MethodEmail, code, meta); !errors.Is(err, identity.ErrBadFactor) {
			t.Fatalf("an SMS code accepted as an email code: %v", err)
		}
		f.svc.SendSMSCode(ctx, sess, meta)
		msgs = tw.Messages()
		code = smsCodeRe.FindString(msgs[len(msgs)-1].Body)
		if err := f.svc.StepUp(ctx, sess, identity.MethodSMS, code, meta); err != nil {
			t.Fatalf("SMS step-up: %v", err)
		}
	})
}

// Sessions end after 30 idle minutes for customers, 15 for staff, and 12
// hours whatever the activity.
func TestSessionTimeouts(t *testing.T) {
	db := storetest.Open(t, store.SQLite)
	f := newFixture(t, db)
	clock := time.Now().UTC()
	svc := f.withClock(t, db, func() time.Time { return clock })
	ctx := context.Background()
	newVerifiedWith(t, svc, f, "tim@example.com")
	_, secret, err := svc.SignIn(ctx, "tim@example.com", goodPassword, meta)
	if err != nil {
		t.Fatal(err)
	}
	clock = clock.Add(29 * time.Minute)
	if _, err := svc.Session(ctx, secret); err != nil {
		t.Fatalf("29 idle minutes: %v", err)
	}
	// Activity keeps it alive, for up to 12 hours.
	for range 24 {
		clock = clock.Add(29 * time.Minute)
		if _, err := svc.Session(ctx, secret); err != nil {
			break
		}
	}
	if _, err := svc.Session(ctx, secret); !errors.Is(err, identity.ErrNoSession) {
		t.Fatal("session outlived its absolute limit")
	}
	_, secret, _ = svc.SignIn(ctx, "tim@example.com", goodPassword, meta)
	clock = clock.Add(31 * time.Minute)
	if _, err := svc.Session(ctx, secret); !errors.Is(err, identity.ErrNoSession) {
		t.Fatal("customer session alive after 31 idle minutes")
	}

	// Staff: 15 idle minutes.
	link, _ := svc.CreateUser(ctx, "staff@example.com", authz.Support, meta)
	_, tok, _ := strings.Cut(link, "token=")
	if err := svc.Enrol(ctx, tok, goodPassword, meta); err != nil {
		t.Fatal(err)
	}
	pending, _, _ := svc.SignIn(ctx, "staff@example.com", goodPassword, meta)
	svc.SendEmailCode(ctx, pending, meta)
	_, staffSecret, err := svc.CompleteSignIn(ctx, pending, identity.MethodEmail, f.emailCode(t, "staff@example.com"), meta)
	if err != nil {
		t.Fatal(err)
	}
	clock = clock.Add(14 * time.Minute)
	if _, err := svc.Session(ctx, staffSecret); err != nil {
		t.Fatalf("staff after 14 idle minutes: %v", err)
	}
	clock = clock.Add(16 * time.Minute)
	if _, err := svc.Session(ctx, staffSecret); !errors.Is(err, identity.ErrNoSession) {
		t.Fatal("staff session alive after 16 idle minutes")
	}
}
