package evidence

import (
	"fmt"
	"strings"
)

// Text says in plain words what the receipt proves, for
// `citadel verify receipt`. Amounts are in minor units of the currency.
func (p *Proof) Text() string {
	var b strings.Builder
	o := &p.Order
	fmt.Fprintf(&b, "VALID receipt for checkout %s, countersigned by %s at %s\n", o.CheckoutID, p.KeyID, fmtTime(p.IssuedAt))
	fmt.Fprintf(&b, "buyer: account %s", o.BuyerID)
	if o.OrgID != "" {
		fmt.Fprintf(&b, " for organization %s", o.OrgID)
	}
	fmt.Fprintf(&b, "\nbuyer's consent: %s at %s\n", consentText(&p.Buyer), fmtTime(p.Buyer.At))
	fmt.Fprintf(&b, "total: %d %s (minor units), paid by %s card ending %s\n", o.Total, o.Currency, p.Payment.Brand, p.Payment.Last4)
	fmt.Fprintf(&b, "shipping: %s to %s\n", o.Shipping.Method, o.Shipping.Country)
	for _, part := range o.Orders {
		fmt.Fprintf(&b, "order %s from %s (%s): subtotal %d, shipping %d, tax %d, total %d\n",
			part.OrderID, part.MerchantName, part.MerchantID, part.Subtotal, part.Shipping, part.Tax, part.Total)
		for _, l := range part.Lines {
			fmt.Fprintf(&b, "  %d × %s %q", l.Quantity, l.SKU, l.Title)
			if l.Variant != "" {
				fmt.Fprintf(&b, " (%s)", l.Variant)
			}
			fmt.Fprintf(&b, " at %d = %d\n", l.UnitPrice, l.Total)
		}
		accepted := false
		for _, a := range p.Acceptances {
			if a.OrderID == part.OrderID {
				accepted = true
				fmt.Fprintf(&b, "  accepted by the merchant (account %s) at %s: %s\n", a.Merchant.AccountID, fmtTime(a.Merchant.At), consentText(&a.Merchant))
			}
		}
		if !accepted {
			b.WriteString("  not accepted by the merchant in this file\n")
		}
	}
	fmt.Fprintf(&b, "hashes: OI %s, PI %s, dual %s\n", p.OIHash, p.PIHash, p.DualHash)
	return b.String()
}

func consentText(c *Consent) string {
	if c.Assurance == AssurancePasskey {
		return fmt.Sprintf("%s (passkey %s, for %s)", c.Assurance, c.Passkey.CredentialID, c.Passkey.Origin)
	}
	return fmt.Sprintf("%s (a signed-in session, %s; no signature of the person, the platform vouches)", c.Assurance, c.AuthLevel)
}

// Text says in plain words what the contract proves, for
// `citadel verify contract`.
func (p *ContractProof) Text() string {
	var b strings.Builder
	a := &p.Agreement
	fmt.Fprintf(&b, "VALID purchase agreement %s, sealed by %s at %s\n", a.ID, p.KeyID, fmtTime(p.SealedAt))
	fmt.Fprintf(&b, "between buyer %s (%s) and merchant %s (%s)\n", a.Buyer.Name, a.Buyer.ID, a.Merchant.Name, a.Merchant.ID)
	fmt.Fprintf(&b, "valid from %s until %s; total %d %s (minor units); agreement sha256 %s\n",
		fmtTime(a.ValidFrom), fmtTime(a.ValidUntil), a.Total, a.Currency, p.Digest)
	for _, l := range a.Items {
		fmt.Fprintf(&b, "  %d × %s %q at %d = %d\n", l.Quantity, l.SKU, l.Title, l.UnitPrice, l.Total)
	}
	for _, s := range p.Signers {
		fmt.Fprintf(&b, "signed for the %s by account %s at %s: %s", s.Role, s.AccountID, fmtTime(s.SignedAt), s.Assurance)
		if s.Leaf != nil {
			fmt.Fprintf(&b, " (certificate %q, serial %x, issued by %q)", s.Leaf.Subject.CommonName, s.Leaf.SerialNumber, s.Leaf.Issuer.CommonName)
		} else if s.Passkey != nil {
			fmt.Fprintf(&b, " (passkey %s, for %s)", s.Passkey.CredentialID, s.Passkey.Origin)
		}
		b.WriteString("\n")
	}
	fmt.Fprintf(&b, "terms (%d bytes):\n%s", len(a.Terms), a.Terms)
	if !strings.HasSuffix(a.Terms, "\n") {
		b.WriteString("\n")
	}
	return b.String()
}
