package detect

import (
	"context"
	"fmt"
	"net/netip"
	"sync"
	"testing"
	"time"
)

type fakeBlocker struct {
	mu     sync.Mutex
	blocks map[netip.Prefix]int
}

func (f *fakeBlocker) BlockEscalatingReason(_ context.Context, p netip.Prefix, base time.Duration, _ string) (time.Time, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.blocks[p]++
	return time.Now().Add(base << (f.blocks[p] - 1)), nil
}

func newTest() (*Detector, *fakeBlocker, *[]Alert, *time.Time) {
	clock := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	b := &fakeBlocker{blocks: map[netip.Prefix]int{}}
	var alerts []Alert
	d := New(DefaultRules, b, func(a Alert) { alerts = append(alerts, a) }, func() time.Time { return clock })
	return d, b, &alerts, &clock
}

func TestScannerBlocked(t *testing.T) {
	d, b, alerts, clock := newTest()
	ip := netip.MustParseAddr("203.0.113.9")
	for i := range 29 {
		d.Probe(ip, fmt.Sprintf("404 /wp-admin/%d", i))
	}
	if len(*alerts) != 0 {
		t.Fatal("alert before the threshold")
	}
	d.Probe(ip, "404 /.env")
	if len(*alerts) != 1 || (*alerts)[0].Kind != "scanner" || (*alerts)[0].Blocked.IsZero() {
		t.Fatalf("alerts %+v", *alerts)
	}
	if b.blocks[netip.MustParsePrefix("203.0.113.9/32")] != 1 {
		t.Fatalf("blocks %v", b.blocks)
	}
	// Slow probing (outside the window) is not a scanner.
	other := netip.MustParseAddr("198.51.100.1")
	for range 40 {
		*clock = clock.Add(3 * time.Second)
		d.Probe(other, "404 /x")
	}
	if len(*alerts) != 1 {
		t.Fatalf("slow 404s raised %d alerts", len(*alerts)-1)
	}
}

func TestCredentialStuffingAndSpreadGuessing(t *testing.T) {
	d, b, alerts, _ := newTest()
	stuffer := netip.MustParseAddr("2001:db8::1")
	for i := range 8 {
		d.SignInFailed(stuffer, fmt.Sprintf("acc_%d", i))
	}
	found := false
	for _, a := range *alerts {
		found = found || a.Kind == "credential_stuffing"
	}
	if !found || b.blocks[netip.MustParsePrefix("2001:db8::/64")] != 1 {
		t.Fatalf("stuffing: alerts %+v blocks %v", *alerts, b.blocks)
	}
	*alerts = nil
	for i := range 5 {
		d.SignInFailed(netip.MustParseAddr(fmt.Sprintf("192.0.2.%d", i+1)), "acc_target")
	}
	kinds := map[string]bool{}
	for _, a := range *alerts {
		kinds[a.Kind] = true
	}
	if !kinds["distributed_guessing"] || !kinds["password_guessing"] {
		t.Fatalf("spread guessing: %+v", *alerts)
	}
	// One alert per kind and source per cooldown.
	n := len(*alerts)
	d.SignInFailed(netip.MustParseAddr("192.0.2.77"), "acc_target")
	if len(*alerts) != n {
		t.Fatal("alert repeated within the cooldown")
	}
}
