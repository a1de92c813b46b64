package app_test

import (
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/citadel-store/citadel/internal/apptest"
	"github.com/citadel-store/citadel/internal/payment"
	"github.com/citadel-store/citadel/internal/store"
)

// A merchant who cancels a paid order refunds it: the order becomes
// refunded, escrow gives the money back, and the ledger still checks
// out (a cancelled order holding money would fail it). The buyer's
// signed receipt for a paid checkout downloads and verifies offline
// against the published key; another buyer cannot fetch it; one changed
// byte makes it fail.
func TestPaidCancelRefundsAndReceiptVerifies(t *testing.T) {
	cfg := apptest.Config(t, store.SQLite)
	cfg.Demo = true
	s := apptest.Start(t, cfg)
	bodies := &bodyLog{}
	b := newPayBuyer(t, s, bodies)
	merchant := signInOffice(t, s, demoMerchantEmail, demoMerchantPWRe.FindStringSubmatch(s.Stdout.String())[1])

	orderID, chk := b.checkout()
	resp, body := b.pay(chk, b.payForm(chk), payment.CardApprove, "12/30")
	wantStatus(t, "pay", resp, body, http.StatusSeeOther, "/orders/"+orderID)

	// The receipt.
	resp, rec := b.get("/orders/" + orderID + "/receipt")
	if resp.StatusCode != 200 || !strings.Contains(rec, "citadel-receipt/v1") || strings.Contains(rec, payment.CardApprove) {
		t.Fatalf("receipt download: %d %.300s", resp.StatusCode, rec)
	}
	kr, err := s.Client.Get(s.URL + "/.well-known/citadel-receipt-key")
	if err != nil {
		t.Fatal(err)
	}
	key, _ := io.ReadAll(kr.Body)
	kr.Body.Close()
	dir := t.TempDir()
	file, keyFile := filepath.Join(dir, "receipt.json"), filepath.Join(dir, "receipt.pub")
	os.WriteFile(file, []byte(rec), 0o600)
	os.WriteFile(keyFile, key, 0o600)
	if code, out, stderr := run(nil, "verify", "receipt", file, "--key", keyFile); code != 0 || !strings.Contains(out, chk) {
		t.Fatalf("verify receipt: %d %s %s", code, out, stderr)
	}
	tampered := strings.Replace(rec, "skillet", "skiIlet", 1)
	if tampered == rec {
		t.Fatalf("the receipt does not name the product: %.300s", rec)
	}
	os.WriteFile(file, []byte(tampered), 0o600)
	if code, _, _ := run(nil, "verify", "receipt", file, "--key", keyFile); code == 0 {
		t.Fatal("fail/tampered-receipt verified")
	}
	other := newBrowser(t, s)
	signUp(t, s, other, "someone.else@example.com", "violet otter ladder 42")
	form(t, s, other, "/signin", "/signin", url.Values{"email": {"someone.else@example.com"}, "password": {"violet otter ladder 42"}})
	if r, body := do(t, other, "GET", s.URL+"/orders/"+orderID+"/receipt", nil); r.StatusCode != 404 || strings.Contains(body, chk) {
		t.Fatalf("fail/other-buyer-receipt: %d", r.StatusCode)
	}

	// The merchant cancels the paid order: a full refund.
	page := "/merchant/orders/" + orderID
	expectStatus(t, "cancel paid order", http.StatusSeeOther, page)(merchant.post(page+"/cancel", url.Values{"reason": {"Out of stock at the warehouse"}}))
	if st := orderStatus(t, s, orderID); st != "refunded" {
		t.Fatalf("status after cancelling a paid order = %q, want refunded", st)
	}
	ledgerCheck(t, s)
}
