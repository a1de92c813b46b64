package evidence

import (
	"crypto/x509"
	"errors"
	"testing"
	"time"
)

// TestVerifyContractRefuses lists the ways a contract file can be wrong.
// Cases built with re pass the platform's seal (as if the platform had a
// bug or its key were stolen) to reach the party signatures behind it.
func TestVerifyContractRefuses(t *testing.T) {
	f := newContract(t)
	k, roots := f.key, f.ca.ca.Pool()
	re := func(fn func(c map[string]any)) []byte { return resign(t, k, f.file, "contract", purposeContract, fn) }
	sig := func(c map[string]any, i int) map[string]any { return nd(c, "signatures", i) }

	// A second contract whose buyer certificate was issued ten days on.
	late := newContract(t)
	late.ca.now = t0.Add(10 * 24 * time.Hour)
	lateCert := late.ca.client(t, "acc_acme_cfo", late.ca.now)
	lateSigs := []PartySignature{late.sigs[0], late.sigs[1]}
	lateSigs[0].SignedAt = late.ca.now.Add(time.Hour)
	lateSigs[0].Certificate = lateCert.sign(t, SigningMessage(late.a.ID, late.digest, RoleBuyer))
	lateFile, err := late.key.SealContract(late.a, lateSigs, late.ca.ca.Pool(), late.ca.now.Add(2*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	otherCA := newTestCA(t)

	for _, tc := range []struct {
		name  string
		file  []byte
		roots *x509.CertPool
		key   PublicKey
		want  error
		words string
	}{
		{"fail/terms-changed", edit(t, f.file, func(m map[string]any) {
			nd(m, "contract", "agreement")["terms"] = "1. Delivery whenever.\n"
		}), roots, k.Public(), ErrVerify, "signature"},
		{"fail/other-platform-key", f.file, roots, testKey(t).Public(), ErrUnknownKey, ""},
		{"fail/receipt-format", edit(t, f.file, func(m map[string]any) { m["format"] = formatReceipt }), roots, k.Public(), ErrInvalidDocument, "format"},
		{"fail/roots-of-other-ca", f.file, otherCA.ca.Pool(), k.Public(), ErrVerify, "certificate"},
		{"fail/no-roots", f.file, nil, k.Public(), ErrVerify, "no CA roots"},
		{"fail/resigned-terms-changed", re(func(c map[string]any) {
			nd(c, "agreement")["terms"] = "1. Delivery whenever.\n"
		}), roots, k.Public(), ErrVerify, "certificate signature"},
		{"fail/resigned-price-changed", re(func(c map[string]any) {
			item := nd(c, "agreement", "items", 0)
			item["unit_price"], item["total"] = int64(1), int64(500)
			nd(c, "agreement")["total"] = int64(95500)
		}), roots, k.Public(), ErrVerify, "certificate signature"},
		{"fail/resigned-items-do-not-add-up", re(func(c map[string]any) { nd(c, "agreement")["total"] = int64(1) }), roots, k.Public(), ErrInvalidDocument, "add up"},
		{"fail/resigned-signed-after-certificate-expired", re(func(c map[string]any) {
			sig(c, 0)["signed_at"] = fmtTime(t0.AddDate(0, 2, 0))
			c["sealed_at"] = fmtTime(t0.AddDate(0, 3, 0))
		}), roots, k.Public(), ErrVerify, "expired"},
		{"fail/resigned-signed-before-certificate-issued", resign(t, late.key, lateFile, "contract", purposeContract, func(c map[string]any) {
			sig(c, 0)["signed_at"] = fmtTime(t0.Add(time.Hour))
		}), late.ca.ca.Pool(), late.key.Public(), ErrVerify, "expired or is not yet valid"},
		{"fail/resigned-certificate-of-other-account", re(func(c map[string]any) { sig(c, 0)["account_id"] = "acc_eve" }), roots, k.Public(), ErrVerify, "not bound"},
		{"fail/resigned-missing-intermediate", re(func(c map[string]any) {
			cert := nd(c, "signatures", 0, "certificate")
			cert["chain"] = cert["chain"].([]any)[:1]
		}), roots, k.Public(), ErrVerify, "unknown authority"},
		{"fail/resigned-intermediate-as-signer", re(func(c map[string]any) {
			cert := nd(c, "signatures", 0, "certificate")
			cert["chain"] = cert["chain"].([]any)[1:]
		}), roots, k.Public(), ErrVerify, "CA certificate"},
		{"fail/resigned-roles-swapped", re(func(c map[string]any) {
			s := c["signatures"].([]any)
			s[0], s[1] = s[1], s[0]
		}), roots, k.Public(), ErrVerify, "buyer's signature, then"},
		{"fail/resigned-buyer-signature-as-merchant", re(func(c map[string]any) {
			s := c["signatures"].([]any)
			m := map[string]any{}
			for k, v := range s[0].(map[string]any) {
				m[k] = v
			}
			m["role"] = "merchant"
			s[1] = m
		}), roots, k.Public(), ErrVerify, "merchant's certificate"},
		{"fail/resigned-one-signature", re(func(c map[string]any) { c["signatures"] = c["signatures"].([]any)[:1] }), roots, k.Public(), ErrVerify, "buyer's signature, then"},
		{"fail/resigned-merchant-passkey-other-account", re(func(c map[string]any) { sig(c, 1)["account_id"] = "acc_eve" }), roots, k.Public(), nil, ""}, // passkeys carry no account: the seal is the platform's word
		{"fail/resigned-merchant-signed-after-seal", re(func(c map[string]any) { sig(c, 1)["signed_at"] = fmtTime(t0.Add(4 * time.Hour)) }), roots, k.Public(), ErrVerify, "before"},
		{"fail/resigned-signed-before-agreement", re(func(c map[string]any) { sig(c, 1)["signed_at"] = fmtTime(t0.Add(-time.Hour)) }), roots, k.Public(), ErrVerify, "before"},
		{"fail/resigned-passkey-and-certificate", re(func(c map[string]any) {
			sig(c, 0)["passkey"] = sig(c, 1)["passkey"]
		}), roots, k.Public(), ErrInvalidDocument, "unknown"},
		{"fail/resigned-neither", re(func(c map[string]any) { delete(sig(c, 1), "passkey") }), roots, k.Public(), ErrInvalidDocument, "neither"},
		{"fail/resigned-unknown-role", re(func(c map[string]any) { sig(c, 1)["role"] = "witness" }), roots, k.Public(), ErrVerify, "buyer's signature, then"},
		{"fail/resigned-control-character-in-terms", re(func(c map[string]any) {
			nd(c, "agreement")["terms"] = "\x1b[2J1. Nothing.\n"
		}), roots, k.Public(), ErrInvalidDocument, "control"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := VerifyContract(tc.file, tc.roots, tc.key)
			if tc.want == nil {
				wantErr(t, err, nil)
				return
			}
			if p != nil {
				t.Fatal("a failed verification returned a proof")
			}
			if !errors.Is(err, ErrVerify) {
				t.Fatalf("error %v does not wrap ErrVerify", err)
			}
			wantErr(t, err, tc.want, tc.words)
		})
	}
}

func TestSealContractRefuses(t *testing.T) {
	f := newContract(t)
	roots := f.ca.ca.Pool()
	server, err := f.ca.ca.IssueServer([]string{"shop.example"}, 24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	eve := f.ca.client(t, "acc_eve", t0)
	buyer, merchant := f.sigs[0], f.sigs[1]
	with := func(s PartySignature, fn func(*PartySignature)) PartySignature { fn(&s); return s }
	otherAgreement := sampleAgreement()
	_, otherDigest, _ := AgreementDigest(otherAgreement)

	for _, tc := range []struct {
		name  string
		sigs  []PartySignature
		at    time.Time
		want  error
		words string
	}{
		{"fail/merchant-first", []PartySignature{merchant, buyer}, t0.Add(3 * time.Hour), ErrInvalidDocument, "buyer's signature, then"},
		{"fail/buyer-only", []PartySignature{buyer}, t0.Add(3 * time.Hour), ErrInvalidDocument, "buyer's signature, then"},
		{"fail/sealed-before-signed", []PartySignature{buyer, merchant}, t0.Add(90 * time.Minute), ErrInvalidDocument, "before"},
		{"fail/certificate-of-other-account", []PartySignature{with(buyer, func(s *PartySignature) {
			s.Certificate = eve.sign(t, SigningMessage(f.a.ID, f.digest, RoleBuyer))
		}), merchant}, t0.Add(3 * time.Hour), ErrVerify, "not bound"},
		{"fail/server-certificate", []PartySignature{with(buyer, func(s *PartySignature) {
			s.Certificate = &CertificateSignature{Chain: [][]byte{server.Cert.Raw, f.ca.ca.Intermediate().Raw}, Signature: s.Certificate.Signature}
		}), merchant}, t0.Add(3 * time.Hour), ErrVerify, "usage"},
		{"fail/signature-of-other-agreement", []PartySignature{with(buyer, func(s *PartySignature) {
			s.Certificate = f.buyer.sign(t, SigningMessage(otherAgreement.ID, otherDigest, RoleBuyer))
		}), merchant}, t0.Add(3 * time.Hour), ErrVerify, "certificate signature"},
		{"fail/passkey-signed-as-buyer", []PartySignature{buyer, with(merchant, func(s *PartySignature) {
			s.Passkey = ptr(f.merchant.sign(t, SigningChallenge(f.a.ID, f.digest, RoleBuyer), forge{}))
		})}, t0.Add(3 * time.Hour), ErrVerify, "another challenge"},
		{"fail/both-kinds", []PartySignature{buyer, with(merchant, func(s *PartySignature) { s.Certificate = buyer.Certificate })}, t0.Add(3 * time.Hour), ErrVerify, "one of them"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			file, err := f.key.SealContract(f.a, tc.sigs, roots, tc.at)
			if file != nil {
				t.Fatal("a refused seal returned a file")
			}
			wantErr(t, err, tc.want, tc.words)
		})
	}
	t.Run("fail/signed-after-agreement-ended", func(t *testing.T) {
		short := f.a
		short.ValidFrom, short.ValidUntil = t0, t0.Add(90*time.Minute)
		_, d, _ := AgreementDigest(short)
		late := PartySignature{Role: RoleMerchant, AccountID: "acc_mugs_owner", SignedAt: t0.Add(2 * time.Hour),
			Passkey: ptr(f.merchant.sign(t, SigningChallenge(short.ID, d, RoleMerchant), forge{}))}
		early := with(buyer, func(s *PartySignature) { s.Certificate = f.buyer.sign(t, SigningMessage(short.ID, d, RoleBuyer)) })
		wantErr(t, CheckPartySignature(short, early, roots), nil)
		_, err := f.key.SealContract(short, []PartySignature{early, late}, roots, t0.Add(3*time.Hour))
		wantErr(t, err, ErrVerify, "agreement ends")
	})
	if err := CheckPartySignature(f.a, buyer, roots); err != nil {
		t.Fatalf("CheckPartySignature(valid buyer signature): %v", err)
	}
	bad := otherAgreement
	bad.Total++
	if err := CheckPartySignature(bad, buyer, roots); !errors.Is(err, ErrInvalidDocument) {
		t.Fatalf("CheckPartySignature(invalid agreement) = %v", err)
	}
}
