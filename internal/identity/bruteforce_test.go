package identity_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/citadel-store/citadel/internal/identity"
	"github.com/citadel-store/citadel/internal/store"
	"github.com/citadel-store/citadel/internal/storetest"
)

// 1,000 wrong passwords for one account from 50 source addresses never
// succeed, and never stop the rightful owner: from their own address,
// with their password and a second factor, they get in (and the block
// the attack set is lifted).
func TestBruteForceNeverSucceedsNorLocksOutOwner(t *testing.T) {
	f := newFixture(t, storetest.Open(t, store.SQLite))
	ctx := context.Background()
	const email = "target@example.com"
	newVerified(t, f, email)

	var succeeded, refused, throttled atomic.Int64
	var wg sync.WaitGroup
	for src := range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			m := identity.RequestMeta{IP: fmt.Sprintf("192.0.2.%d", src+1), UserAgent: "attacker"}
			for i := range 20 {
				_, _, err := f.svc.SignIn(ctx, email, fmt.Sprintf("guess %d from %d xx", i, src), m)
				switch {
				case err == nil:
					succeeded.Add(1)
				case errors.Is(err, identity.ErrThrottled):
					throttled.Add(1)
				case errors.Is(err, identity.ErrInvalidCredentials):
					refused.Add(1)
				default:
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	if succeeded.Load() != 0 || refused.Load()+throttled.Load() != 1000 {
		t.Fatalf("succeeded %d, refused %d, throttled %d", succeeded.Load(), refused.Load(), throttled.Load())
	}
	t.Logf("1000 guesses: %d refused, %d throttled", refused.Load(), throttled.Load())

	// The owner, from home, with the password: sent to the second factor.
	home := identity.RequestMeta{IP: "198.51.100.200", UserAgent: "owner"}
	pending, _, err := f.svc.SignIn(ctx, email, goodPassword, home)
	if err != nil || !pending.Pending {
		t.Fatalf("owner after the attack: %v", err)
	}
	if err := f.svc.SendEmailCode(ctx, pending, home); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.svc.CompleteSignIn(ctx, pending, identity.MethodEmail, f.emailCode(t, email), home); err != nil {
		t.Fatalf("owner's second factor: %v", err)
	}
	// The block is lifted: the next sign-in needs no second factor.
	if s, _, err := f.svc.SignIn(ctx, email, goodPassword, home); err != nil || s.Pending {
		t.Fatalf("after proving identity: %v", err)
	}
}
