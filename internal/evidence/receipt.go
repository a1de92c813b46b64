package evidence

import (
	"fmt"
	"time"
)

// A receipt file is one canonical JSON object:
//
//	{"acceptances":[{"acceptance":{...},"signature":{...}}, ...],
//	 "format":"citadel-receipt/v1",
//	 "receipt":{"buyer":{consent},"dual_hash":"…","issued_at":"…",
//	            "order_info":{the OI, byte for byte},"payment":{brand,last4,amount,currency},
//	            "pi_hash":"…","type":"citadel.receipt/v1"},
//	 "signature":{"key_id":"…","sig":"…"}}
//
// The platform signs the "receipt" object at checkout; each merchant's
// acceptance is a later statement, signed on its own, naming the hash of
// the "receipt" object, so appending one never touches what was signed
// before. The PI itself is never in a receipt: only its hash and what a
// card slip shows (brand, last four, amount).
const (
	formatReceipt = "citadel-receipt/v1"
	typeReceipt   = "citadel.receipt/v1"
)

// Proof is what a verified receipt proves: who ordered what, when, how
// strongly the buyer's consent is proven, what was paid, and which
// merchants accepted.
type Proof struct {
	KeyID    string    // the platform key that signed
	IssuedAt time.Time // when the platform countersigned
	Order    OrderInfo
	OIHash   Digest
	PIHash   Digest
	DualHash Digest
	Payment  PaymentSummary
	// Buyer is the buyer's consent to DualHash: its Assurance says whether
	// the buyer's passkey signed (the assertion is in Buyer.Passkey) or
	// only a session was attested (Buyer.AuthLevel).
	Buyer       Consent
	Acceptances []Acceptance // sorted by order ID; orders missing here are not accepted yet
	// ReceiptHash is the hash of the signed "receipt" object, which
	// acceptances name.
	ReceiptHash Digest
}

// SignReceipt countersigns a checkout: the OI, H(PI), the dual hash, the
// buyer's consent to it (verified here first) and the payment summary,
// issued at at. It returns the receipt file, with no acceptances yet.
func (k *ReceiptKey) SignReceipt(d *Dual, buyer Consent, at time.Time) ([]byte, error) {
	if err := buyer.check(); err != nil {
		return nil, err
	}
	if buyer.AccountID != d.OrderInfo.BuyerID {
		return nil, fmt.Errorf("%w: consent by %q, the buyer is %q", ErrInvalidDocument, buyer.AccountID, d.OrderInfo.BuyerID)
	}
	if err := buyer.verify(d.Hash, k.Public(), buyer.Attestation != nil); err != nil {
		return nil, err
	}
	if err := inOrder(when{"order created", d.OrderInfo.CreatedAt}, when{"buyer consent", buyer.At}, when{"receipt issued", at}); err != nil {
		return nil, err
	}
	buyer.Attestation = nil
	stmt := map[string]any{
		"type": typeReceipt, "order_info": d.OrderInfo.value(), "pi_hash": d.PIHash.String(),
		"dual_hash": d.Hash.String(), "payment": d.PaymentInstruction.summary().value(),
		"buyer": buyer.value(), "issued_at": fmtTime(at),
	}
	body, err := Canonical(stmt)
	if err != nil {
		return nil, err
	}
	s := k.sign(purposeReceipt, body)
	return Canonical(map[string]any{"format": formatReceipt, "receipt": stmt, "signature": s.value(), "acceptances": []any{}})
}

// VerifyReceipt checks a receipt file offline against the platform's
// public key: the file's canonical form, the platform's signature, that
// the OI's amounts add up, that the dual hash is H(H(OI) || H(PI)), that
// the buyer's consent is to that hash (a passkey assertion is verified in
// full), that the payment matches the OI's total, that the times run in
// order, and every acceptance with its own signature. Any changed byte
// fails it. Errors wrap ErrVerify (and ErrUnknownKey for another key).
func VerifyReceipt(file []byte, platform PublicKey) (*Proof, error) {
	t, err := parseCanonical(file)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrVerify, err)
	}
	var derr error
	top := readObject(t, t.root(), "file", &derr)
	if f := top.str("format"); f != formatReceipt && derr == nil {
		top.fail("format", "%q is not %s", f, formatReceipt)
	}
	stmt := top.get("receipt")
	s := decodeSig(top.object("signature"))
	accs := top.list("acceptances")
	top.done()
	if derr != nil {
		return nil, fmt.Errorf("%w: %w", ErrVerify, derr)
	}
	body := t.raw(stmt) // a canonical document's parts are canonical: these are the signed bytes
	if err := platform.verify(purposeReceipt, body, s); err != nil {
		return nil, err
	}
	p, err := decodeReceipt(t, stmt)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrVerify, err)
	}
	p.KeyID, p.ReceiptHash = s.KeyID, Sum(body)
	if err := p.check(); err != nil {
		return nil, err
	}
	for i := range accs {
		a, err := verifyAcceptance(t, &accs[i], i, p, platform)
		if err != nil {
			return nil, err
		}
		if i > 0 && a.OrderID <= p.Acceptances[i-1].OrderID {
			return nil, fmt.Errorf("%w: acceptances not in order of order ID, or one order accepted twice", ErrVerify)
		}
		p.Acceptances = append(p.Acceptances, a)
	}
	return p, nil
}

// decodeReceipt reads the "receipt" statement.
func decodeReceipt(t *tree, n *node) (*Proof, error) {
	var err error
	o := readObject(t, n, "receipt", &err)
	if o.str("type") != typeReceipt && err == nil {
		o.fail("type", "not %s", typeReceipt)
	}
	oiV := o.get("order_info")
	p := &Proof{PIHash: o.digest("pi_hash"), DualHash: o.digest("dual_hash"), IssuedAt: o.time("issued_at")}
	p.Payment = decodePaymentSummary(o.object("payment"))
	p.Buyer = decodeConsent(o.object("buyer"))
	o.done()
	if err != nil {
		return nil, err
	}
	if p.Order, err = decodeOrderInfo(t, oiV, "receipt.order_info"); err != nil {
		return nil, err
	}
	p.OIHash = Sum(t.raw(oiV))
	return p, p.Payment.validate()
}

// check verifies what links the receipt's parts together.
func (p *Proof) check() error {
	if DualHash(p.OIHash, p.PIHash) != p.DualHash {
		return fmt.Errorf("%w: dual hash is not H(H(OI) || H(PI))", ErrVerify)
	}
	if p.Payment.Amount != p.Order.Total || p.Payment.Currency != p.Order.Currency {
		return fmt.Errorf("%w: payment of %d %s for an order of %d %s", ErrVerify, p.Payment.Amount, p.Payment.Currency, p.Order.Total, p.Order.Currency)
	}
	if p.Buyer.AccountID != p.Order.BuyerID {
		return fmt.Errorf("%w: consent by %q, the buyer is %q", ErrVerify, p.Buyer.AccountID, p.Order.BuyerID)
	}
	if err := inOrder(when{"order created", p.Order.CreatedAt}, when{"buyer consent", p.Buyer.At}, when{"receipt issued", p.IssuedAt}); err != nil {
		return fmt.Errorf("%w: %w", ErrVerify, err)
	}
	return p.Buyer.verify(p.DualHash, PublicKey{}, false)
}

// when is a named moment, for inOrder.
type when struct {
	name string
	t    time.Time
}

// inOrder checks that the times are valid and do not run backwards (at
// whole seconds, as they are written).
func inOrder(ws ...when) error {
	for i, w := range ws {
		if !validTime(w.t) {
			return fmt.Errorf("%w: %s time %v", ErrInvalidDocument, w.name, w.t)
		}
		if i > 0 && w.t.Truncate(time.Second).Before(ws[i-1].t.Truncate(time.Second)) {
			return fmt.Errorf("%w: %s (%s) is before %s (%s)", ErrInvalidDocument, w.name, fmtTime(w.t), ws[i-1].name, fmtTime(ws[i-1].t))
		}
	}
	return nil
}

// order finds the OI's order with the given ID.
func (p *Proof) order(id string) (OrderPart, bool) {
	for _, o := range p.Order.Orders {
		if o.OrderID == id {
			return o, true
		}
	}
	return OrderPart{}, false
}
