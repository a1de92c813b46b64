package evidence

import (
	"bytes"
	"crypto/sha256"
	"fmt"
)

// Dual is a checkout's OI and PI with the hashes that link them, as SET's
// dual signature does: the buyer signs
//
//	DualHash = SHA-256( SHA-256(canonical OI) || SHA-256(canonical PI) )
//
// so the merchant, holding the OI and H(PI), and the payment side,
// holding the PI and H(OI), can each check that the buyer's one signature
// covers what they hold, without seeing the other's data.
type Dual struct {
	OrderInfo          OrderInfo          // as decoded back from its canonical form
	PaymentInstruction PaymentInstruction // likewise
	OIHash             Digest
	PIHash             Digest
	Hash               Digest // the dual hash: the challenge the buyer signs
	oi, pi             []byte
}

// NewDual encodes oi and pi and links them. It refuses documents that are
// invalid or do not belong together: another checkout or buyer, an amount
// other than the OI's total, another currency.
func NewDual(oi OrderInfo, pi PaymentInstruction) (*Dual, error) {
	if err := firstErr(oi.validate(), pi.validate()); err != nil {
		return nil, err
	}
	switch {
	case oi.CheckoutID != pi.CheckoutID:
		return nil, fmt.Errorf("%w: OI is for checkout %s, PI for %s", ErrInvalidDocument, oi.CheckoutID, pi.CheckoutID)
	case oi.BuyerID != pi.BuyerID:
		return nil, fmt.Errorf("%w: OI and PI name different buyers", ErrInvalidDocument)
	case oi.Total != pi.Amount || oi.Currency != pi.Currency:
		return nil, fmt.Errorf("%w: PI amount %d %s differs from OI total %d %s", ErrInvalidDocument, pi.Amount, pi.Currency, oi.Total, oi.Currency)
	case oi.Nonce == pi.Nonce:
		return nil, fmt.Errorf("%w: OI and PI share a nonce", ErrInvalidDocument)
	}
	d := &Dual{}
	var err error
	if d.oi, err = Canonical(oi.value()); err != nil {
		return nil, err
	}
	if d.pi, err = Canonical(pi.value()); err != nil {
		return nil, err
	}
	// Decode what was encoded, so the Go values are exactly what is hashed.
	if d.OrderInfo, err = parseOrderInfo(d.oi); err != nil {
		return nil, err
	}
	if d.PaymentInstruction, err = parsePaymentInstruction(d.pi); err != nil {
		return nil, err
	}
	d.OIHash, d.PIHash = Sum(d.oi), Sum(d.pi)
	d.Hash = DualHash(d.OIHash, d.PIHash)
	return d, nil
}

// DualHash is SHA-256(oi || pi).
func DualHash(oi, pi Digest) Digest {
	h := sha256.New()
	h.Write(oi[:])
	h.Write(pi[:])
	return Digest(h.Sum(nil))
}

// OrderInfoJSON returns the canonical OI.
func (d *Dual) OrderInfoJSON() []byte { return bytes.Clone(d.oi) }

// PaymentInstructionJSON returns the canonical PI.
func (d *Dual) PaymentInstructionJSON() []byte { return bytes.Clone(d.pi) }

// MerchantView is what a merchant holds: the OI, H(PI) and the buyer's
// consent to the dual hash.
type MerchantView struct {
	OrderInfo []byte // canonical
	PIHash    Digest
	Buyer     Consent
}

// PaymentView is what the payment side holds: the PI, H(OI) and the
// buyer's consent to the dual hash.
type PaymentView struct {
	PaymentInstruction []byte // canonical
	OIHash             Digest
	Buyer              Consent
}

// MerchantView returns the merchant's half. buyer is PasskeyConsent's or
// AttestSession's result for d.Hash.
func (d *Dual) MerchantView(buyer Consent) MerchantView {
	return MerchantView{OrderInfo: bytes.Clone(d.oi), PIHash: d.PIHash, Buyer: buyer}
}

// PaymentView returns the payment side's half.
func (d *Dual) PaymentView(buyer Consent) PaymentView {
	return PaymentView{PaymentInstruction: bytes.Clone(d.pi), OIHash: d.OIHash, Buyer: buyer}
}

// VerifyMerchantView checks that the buyer consented to the dual hash of
// this OI and the PI whose hash the view holds, and that the consent is
// the OI's buyer's. A session-attested consent must carry the platform's
// attestation under platform. Errors wrap ErrVerify.
func VerifyMerchantView(v MerchantView, platform PublicKey) (OrderInfo, error) {
	oi, err := parseOrderInfo(v.OrderInfo)
	if err != nil {
		return OrderInfo{}, fmt.Errorf("%w: %w", ErrVerify, err)
	}
	if err := checkBuyer(v.Buyer, oi.BuyerID, DualHash(Sum(v.OrderInfo), v.PIHash), platform); err != nil {
		return OrderInfo{}, err
	}
	return oi, nil
}

// VerifyPaymentView is VerifyMerchantView for the payment side.
func VerifyPaymentView(v PaymentView, platform PublicKey) (PaymentInstruction, error) {
	pi, err := parsePaymentInstruction(v.PaymentInstruction)
	if err != nil {
		return PaymentInstruction{}, fmt.Errorf("%w: %w", ErrVerify, err)
	}
	if err := checkBuyer(v.Buyer, pi.BuyerID, DualHash(v.OIHash, Sum(v.PaymentInstruction)), platform); err != nil {
		return PaymentInstruction{}, err
	}
	return pi, nil
}

func checkBuyer(c Consent, buyerID string, dual Digest, platform PublicKey) error {
	if c.AccountID != buyerID {
		return fmt.Errorf("%w: consent by %q, the buyer is %q", ErrVerify, c.AccountID, buyerID)
	}
	return c.verify(dual, platform, true)
}

func parseOrderInfo(b []byte) (OrderInfo, error) {
	t, err := parseCanonical(b)
	if err != nil {
		return OrderInfo{}, err
	}
	return decodeOrderInfo(t, t.root(), "order_info")
}

func parsePaymentInstruction(b []byte) (PaymentInstruction, error) {
	t, err := parseCanonical(b)
	if err != nil {
		return PaymentInstruction{}, err
	}
	return decodePaymentInstruction(t, t.root(), "payment_instruction")
}
