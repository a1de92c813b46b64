package evidence

import (
	"testing"

	"github.com/citadel-store/citadel/internal/identity/passkey/passkeytest"
)

func TestPasskeyAssertion(t *testing.T) {
	ch := Sum([]byte("a dual hash"))
	es, ed, other := newPasskey(t), newEd25519Passkey(t), newPasskey(t)
	for _, tc := range []struct {
		name  string
		a     func() PasskeyAssertion
		words []string // nil: must verify
	}{
		{"ok/es256", func() PasskeyAssertion { return es.sign(t, ch, forge{}) }, nil},
		{"ok/ed25519", func() PasskeyAssertion { return ed.sign(t, ch, forge{}) }, nil},
		{"ok/subdomain-origin", func() PasskeyAssertion {
			a := es.sign(t, ch, forge{origin: "https://pay.shop.example"})
			a.Origin = "https://pay.shop.example"
			return a
		}, nil},
		{"fail/registration-ceremony", func() PasskeyAssertion { return es.sign(t, ch, forge{typ: "webauthn.create"}) }, []string{"webauthn.create"}},
		{"fail/other-challenge", func() PasskeyAssertion { return es.sign(t, Sum([]byte("another order")), forge{}) }, []string{"another challenge"}},
		{"fail/truncated-challenge", func() PasskeyAssertion { return es.sign(t, ch, forge{challenge: ch[:31]}) }, []string{"another challenge"}},
		{"fail/other-origin", func() PasskeyAssertion { return es.sign(t, ch, forge{origin: "https://evil.example"}) }, []string{"origin"}},
		{"fail/other-rp-id-hash", func() PasskeyAssertion { return es.sign(t, ch, forge{rpID: "evil.example"}) }, []string{"RP ID"}},
		{"fail/user-not-present", func() PasskeyAssertion {
			return es.sign(t, ch, forge{setFlags: true, flags: passkeytest.FlagUV})
		}, []string{"present"}},
		{"fail/user-not-verified", func() PasskeyAssertion {
			return es.sign(t, ch, forge{setFlags: true, flags: passkeytest.FlagUP})
		}, []string{"verified"}},
		{"fail/cross-origin", func() PasskeyAssertion { return es.sign(t, ch, forge{crossOrigin: true}) }, []string{"cross-origin"}},
		{"fail/other-key", func() PasskeyAssertion { return es.sign(t, ch, forge{signer: other}) }, []string{"signature"}},
		{"fail/ed25519-other-key", func() PasskeyAssertion { return ed.sign(t, ch, forge{signer: newEd25519Passkey(t)}) }, []string{"signature"}},
		{"fail/public-key-swapped", func() PasskeyAssertion {
			a := es.sign(t, ch, forge{})
			a.PublicKey = other.cose
			return a
		}, []string{"signature"}},
		{"fail/signature-bit-flipped", func() PasskeyAssertion {
			a := es.sign(t, ch, forge{})
			a.Signature[len(a.Signature)-1] ^= 1
			return a
		}, []string{"signature"}},
		{"fail/authenticator-data-changed", func() PasskeyAssertion {
			a := es.sign(t, ch, forge{})
			a.AuthenticatorData[36] ^= 1 // the counter
			return a
		}, []string{"signature"}},
		{"fail/short-authenticator-data", func() PasskeyAssertion {
			a := es.sign(t, ch, forge{})
			a.AuthenticatorData = a.AuthenticatorData[:36]
			return a
		}, []string{"too short"}},
		{"fail/garbage-public-key", func() PasskeyAssertion {
			a := es.sign(t, ch, forge{})
			a.PublicKey = []byte{0xa1, 0x01, 0x02}
			return a
		}, []string{"public key"}},
		{"fail/duplicate-challenge-in-client-data", func() PasskeyAssertion {
			cd := `{"type":"webauthn.get","challenge":"` + b64.EncodeToString([]byte("x")) + `","origin":"` + testOrigin +
				`","challenge":"` + b64.EncodeToString(ch[:]) + `"}`
			return es.sign(t, ch, forge{clientData: []byte(cd)})
		}, []string{"duplicate"}},
		{"fail/client-data-not-json", func() PasskeyAssertion { return es.sign(t, ch, forge{clientData: []byte("webauthn.get")}) }, []string{"client data"}},
		{"fail/origin-outside-rp-id", func() PasskeyAssertion {
			a := es.sign(t, ch, forge{origin: "https://shop.example.evil"})
			a.Origin = "https://shop.example.evil"
			return a
		}, []string{"does not cover"}},
		{"fail/plain-http-origin", func() PasskeyAssertion {
			a := es.sign(t, ch, forge{origin: "http://shop.example"})
			a.Origin = "http://shop.example"
			return a
		}, []string{"not https"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := tc.a()
			err := a.verify(ch)
			if tc.words == nil {
				wantErr(t, err, nil)
				return
			}
			wantErr(t, err, ErrVerify, tc.words...)
		})
	}
}
