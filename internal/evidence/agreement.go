package evidence

import (
	"fmt"
	"time"
)

// Agreement is a B2B purchase agreement between a buying organization and
// a merchant: terms in plain text, the items and prices agreed, and the
// period it holds for. Both parties sign its digest (see SigningMessage).
type Agreement struct {
	ID         string
	Nonce      string // NewNonce: no two agreements share a digest
	Buyer      Party  // the business organization
	Merchant   Party
	Terms      string // plain text, up to 64 KiB; lines end in "\n"
	Items      []Line
	Currency   string
	Total      int64 // Σ Items[i].Total
	CreatedAt  time.Time
	ValidFrom  time.Time
	ValidUntil time.Time
}

// Party is one side of an agreement.
type Party struct {
	ID   string // organization or merchant ID
	Name string // legal name, as shown to the other side
}

// Role is which side a signature is for.
type Role string

const (
	RoleBuyer    Role = "buyer"
	RoleMerchant Role = "merchant"
)

const (
	typeAgreement = "citadel.purchase-agreement/v1"
	maxTerms      = 64 << 10
)

func (a *Agreement) value() map[string]any {
	items := make([]any, len(a.Items))
	for i, l := range a.Items {
		items[i] = l.value()
	}
	return map[string]any{
		"type": typeAgreement, "id": a.ID, "nonce": a.Nonce, "terms": a.Terms, "items": items,
		"buyer":    map[string]any{"id": a.Buyer.ID, "name": a.Buyer.Name},
		"merchant": map[string]any{"id": a.Merchant.ID, "name": a.Merchant.Name},
		"currency": a.Currency, "total": a.Total, "created_at": fmtTime(a.CreatedAt),
		"valid_from": fmtTime(a.ValidFrom), "valid_until": fmtTime(a.ValidUntil),
	}
}

func decodeAgreement(t *tree, n *node, name string) (Agreement, error) {
	var err error
	o := readObject(t, n, name, &err)
	if o.str("type") != typeAgreement && err == nil {
		o.fail("type", "not %s", typeAgreement)
	}
	a := Agreement{ID: o.str("id"), Nonce: o.str("nonce"), Terms: o.str("terms"), Currency: o.str("currency"),
		Total: o.int("total"), CreatedAt: o.time("created_at"), ValidFrom: o.time("valid_from"), ValidUntil: o.time("valid_until")}
	a.Buyer, a.Merchant = decodeParty(o.object("buyer")), decodeParty(o.object("merchant"))
	for _, l := range o.objects("items") {
		a.Items = append(a.Items, decodeLine(l))
	}
	o.done()
	if err != nil {
		return Agreement{}, err
	}
	return a, a.validate()
}

func decodeParty(o *obj) Party {
	p := Party{ID: o.str("id"), Name: o.str("name")}
	o.done()
	return p
}

func (a *Agreement) validate() error {
	if err := firstErr(
		checkID("agreement id", a.ID),
		checkNonce("agreement nonce", a.Nonce),
		checkID("buyer id", a.Buyer.ID),
		checkName("buyer name", a.Buyer.Name),
		checkID("merchant id", a.Merchant.ID),
		checkName("merchant name", a.Merchant.Name),
		checkCurrency("agreement currency", a.Currency),
		checkText("terms", a.Terms, maxTerms, true),
		inOrder(when{"agreement created", a.CreatedAt}),
		inOrder(when{"valid from", a.ValidFrom}, when{"valid until", a.ValidUntil}),
	); err != nil {
		return err
	}
	if a.Terms == "" {
		return fmt.Errorf("%w: agreement has no terms", ErrInvalidDocument)
	}
	sum, err := checkLines(a.Items)
	if err != nil {
		return err
	}
	if sum != a.Total {
		return fmt.Errorf("%w: agreement total %d, but the items add up to %d", ErrInvalidDocument, a.Total, sum)
	}
	return nil
}

// AgreementDigest returns the agreement's canonical JSON and its SHA-256.
func AgreementDigest(a Agreement) ([]byte, Digest, error) {
	if err := a.validate(); err != nil {
		return nil, Digest{}, err
	}
	b, err := Canonical(a.value())
	if err != nil {
		return nil, Digest{}, err
	}
	return b, Sum(b), nil
}

// SigningMessage is the text a party signs for role: with a client
// certificate's key directly (ECDSA or RSA PKCS#1 v1.5 over its SHA-256,
// as `openssl dgst -sha256 -sign key.pem -out sig.der message.txt` does,
// or Ed25519 over the text itself), or with a passkey, whose challenge is
// then SigningChallenge. Naming the role keeps the buyer's signature from
// standing in for the merchant's.
func SigningMessage(agreementID string, digest Digest, role Role) []byte {
	return fmt.Appendf(nil, "citadel purchase agreement signature v1\nagreement: %s\nsha256: %s\nrole: %s\n", agreementID, digest, role)
}

// SigningChallenge is the WebAuthn challenge for a passkey signature:
// SHA-256(SigningMessage).
func SigningChallenge(agreementID string, digest Digest, role Role) Digest {
	return Sum(SigningMessage(agreementID, digest, role))
}
