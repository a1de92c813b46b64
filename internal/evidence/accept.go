package evidence

import (
	"fmt"
	"slices"
	"strings"
)

// Acceptance is a merchant's acceptance of its order in a receipt. The
// platform always signs it, on the merchant staff member's authenticated
// action; when that member has a passkey, their authenticator also signs
// AcceptanceChallenge and Merchant.Assurance is passkey-signed. Either
// way Merchant.At is when the order was accepted.
type Acceptance struct {
	OrderID     string
	MerchantID  string
	Merchant    Consent // the staff member's account and consent
	ReceiptHash Digest  // the receipt it accepts
}

const (
	typeAcceptance = "citadel.acceptance/v1"
	typeChallenge  = "citadel.acceptance-challenge/v1"
)

// AcceptanceChallenge is the hash a merchant's passkey signs to accept
// orderID of a receipt as accountID. The receipt is the platform's own
// file, so its signature is not checked here; Accept checks everything.
func AcceptanceChallenge(receipt []byte, orderID, accountID string) (Digest, error) {
	t, err := parseCanonical(receipt)
	if err != nil {
		return Digest{}, err
	}
	stmt := t.member(t.root(), "receipt")
	if stmt == nil {
		return Digest{}, fmt.Errorf("%w: not a receipt", ErrInvalidDocument)
	}
	p, err := decodeReceipt(t, stmt)
	if err != nil {
		return Digest{}, err
	}
	body := t.raw(stmt)
	part, ok := p.order(orderID)
	if !ok {
		return Digest{}, fmt.Errorf("%w: the receipt has no order %q", ErrInvalidDocument, orderID)
	}
	return acceptanceChallenge(Sum(body), orderID, part.MerchantID, accountID)
}

func acceptanceChallenge(receiptHash Digest, orderID, merchantID, accountID string) (Digest, error) {
	b, err := Canonical(map[string]any{"type": typeChallenge, "receipt_hash": receiptHash.String(),
		"order_id": orderID, "merchant_id": merchantID, "account_id": accountID})
	return Sum(b), err
}

// Accept appends the merchant's acceptance of orderID to a receipt file
// and returns the new file. The receipt must verify under k; the order
// must be in it and not yet accepted; merchant is the staff member's
// consent: PasskeyConsent over AcceptanceChallenge, or a session-attested
// Consent (its Attestation is not needed: the acceptance's signature
// covers it). That the account may act for the merchant is the caller's
// check, which the platform's signature then vouches for.
func (k *ReceiptKey) Accept(receipt []byte, orderID string, merchant Consent) ([]byte, error) {
	p, err := VerifyReceipt(receipt, k.Public())
	if err != nil {
		return nil, err
	}
	part, ok := p.order(orderID)
	if !ok {
		return nil, fmt.Errorf("%w: the receipt has no order %q", ErrInvalidDocument, orderID)
	}
	if slices.ContainsFunc(p.Acceptances, func(a Acceptance) bool { return a.OrderID == orderID }) {
		return nil, fmt.Errorf("%w: order %s is already accepted", ErrInvalidDocument, orderID)
	}
	a := Acceptance{OrderID: orderID, MerchantID: part.MerchantID, Merchant: merchant, ReceiptHash: p.ReceiptHash}
	if err := a.check(p, PublicKey{}); err != nil {
		return nil, err
	}
	a.Merchant.Attestation = nil
	stmt := a.value()
	body, err := Canonical(stmt)
	if err != nil {
		return nil, err
	}
	entry := map[string]any{"acceptance": stmt, "signature": k.sign(purposeAcceptance, body).value()}

	v, _ := ParseCanonical(receipt) // verified above
	file := v.(map[string]any)
	accs := append(file["acceptances"].([]any), entry)
	slices.SortFunc(accs, func(x, y any) int {
		return strings.Compare(acceptedOrder(x), acceptedOrder(y))
	})
	file["acceptances"] = accs
	return Canonical(file)
}

func acceptedOrder(entry any) string {
	e, _ := entry.(map[string]any)
	a, _ := e["acceptance"].(map[string]any)
	id, _ := a["order_id"].(string)
	return id
}

func (a *Acceptance) value() map[string]any {
	return map[string]any{"type": typeAcceptance, "receipt_hash": a.ReceiptHash.String(),
		"order_id": a.OrderID, "merchant_id": a.MerchantID, "merchant": a.Merchant.value()}
}

func verifyAcceptance(t *tree, n *node, i int, p *Proof, platform PublicKey) (Acceptance, error) {
	var err error
	o := readItem(t, n, "acceptances", i, &err)
	stmt := o.get("acceptance")
	s := decodeSig(o.object("signature"))
	o.done()
	if err != nil {
		return Acceptance{}, fmt.Errorf("%w: %w", ErrVerify, err)
	}
	if err := platform.verify(purposeAcceptance, t.raw(stmt), s); err != nil {
		return Acceptance{}, err
	}
	a := o.child(stmt, "acceptance", -1)
	if a.str("type") != typeAcceptance && err == nil {
		a.fail("type", "not %s", typeAcceptance)
	}
	acc := Acceptance{ReceiptHash: a.digest("receipt_hash"), OrderID: a.str("order_id"), MerchantID: a.str("merchant_id")}
	acc.Merchant = decodeConsent(a.object("merchant"))
	a.done()
	if err != nil {
		return Acceptance{}, fmt.Errorf("%w: %w", ErrVerify, err)
	}
	return acc, acc.check(p, platform)
}

// check ties the acceptance to the receipt and verifies the consent.
func (a *Acceptance) check(p *Proof, platform PublicKey) error {
	if err := a.Merchant.check(); err != nil {
		return fmt.Errorf("%w: acceptance of %s: %w", ErrVerify, a.OrderID, err)
	}
	if a.ReceiptHash != p.ReceiptHash {
		return fmt.Errorf("%w: acceptance of %s is for another receipt", ErrVerify, a.OrderID)
	}
	part, ok := p.order(a.OrderID)
	if !ok || part.MerchantID != a.MerchantID {
		return fmt.Errorf("%w: acceptance of order %q by merchant %q, which the receipt does not hold", ErrVerify, a.OrderID, a.MerchantID)
	}
	if err := inOrder(when{"receipt issued", p.IssuedAt}, when{"order accepted", a.Merchant.At}); err != nil {
		return fmt.Errorf("%w: %w", ErrVerify, err)
	}
	ch, err := acceptanceChallenge(a.ReceiptHash, a.OrderID, a.MerchantID, a.Merchant.AccountID)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrVerify, err)
	}
	return a.Merchant.verify(ch, platform, false)
}
