package pki

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"errors"
	"math/big"
	"testing"
	"time"

	"golang.org/x/crypto/ocsp"
)

func TestCRL(t *testing.T) {
	t.Parallel()
	clock := newTestClock()
	opts := testOptions(t)
	opts.Now = clock.Now
	ca := newTestCA(t, opts)
	revoked, err := ca.IssueClient("u1", "Revoked Ray", time.Hour)
	mustNil(t, err)
	kept, err := ca.IssueClient("u2", "Kept Kim", time.Hour)
	mustNil(t, err)
	at := clock.Now().Add(-time.Minute)
	entries := []x509.RevocationListEntry{{SerialNumber: revoked.Cert.SerialNumber, RevocationTime: at, ReasonCode: ocsp.KeyCompromise}}

	der, err := ca.CRL(entries, big.NewInt(7))
	mustNil(t, err)
	crl, err := x509.ParseRevocationList(der)
	mustNil(t, err)
	if err := crl.CheckSignatureFrom(ca.Intermediate()); err != nil {
		t.Fatalf("CRL not signed by the intermediate: %v", err)
	}
	if err := crl.CheckSignatureFrom(ca.Root()); err == nil {
		t.Error("CRL verifies under the root: signed by the wrong key")
	}
	if crl.Number.Int64() != 7 {
		t.Errorf("Number = %v", crl.Number)
	}
	if !crl.ThisUpdate.Equal(clock.Now()) || !crl.NextUpdate.Equal(clock.Now().Add(24*time.Hour)) {
		t.Errorf("ThisUpdate %v NextUpdate %v", crl.ThisUpdate, crl.NextUpdate)
	}
	if len(crl.RevokedCertificateEntries) != 1 {
		t.Fatalf("%d entries, want 1", len(crl.RevokedCertificateEntries))
	}
	e := crl.RevokedCertificateEntries[0]
	if e.SerialNumber.Cmp(revoked.Cert.SerialNumber) != 0 || !e.RevocationTime.Equal(at) || e.ReasonCode != ocsp.KeyCompromise {
		t.Errorf("entry = %v %v %d", e.SerialNumber, e.RevocationTime, e.ReasonCode)
	}
	if e.SerialNumber.Cmp(kept.Cert.SerialNumber) == 0 {
		t.Error("the kept certificate is listed")
	}

	empty, err := ca.CRL(nil, big.NewInt(0))
	mustNil(t, err)
	if crl, err := x509.ParseRevocationList(empty); err != nil || len(crl.RevokedCertificateEntries) != 0 {
		t.Errorf("empty CRL: %v", err)
	}

	fails := []struct {
		name    string
		entries []x509.RevocationListEntry
		number  *big.Int
	}{
		{"fail/nil-number", entries, nil},
		{"fail/negative-number", entries, big.NewInt(-1)},
		{"fail/number-too-long", entries, new(big.Int).Lsh(big.NewInt(1), 170)},
		{"fail/entry-without-serial", []x509.RevocationListEntry{{RevocationTime: at}}, big.NewInt(1)},
		{"fail/entry-without-time", []x509.RevocationListEntry{{SerialNumber: big.NewInt(5)}}, big.NewInt(1)},
	}
	for _, tt := range fails {
		t.Run(tt.name, func(t *testing.T) {
			if der, err := ca.CRL(tt.entries, tt.number); err == nil || der != nil {
				t.Fatalf("CRL = %d bytes, %v", len(der), err)
			}
		})
	}
}

func TestOCSP(t *testing.T) {
	t.Parallel()
	clock := newTestClock()
	opts := testOptions(t)
	opts.Now = clock.Now
	ca := newTestCA(t, opts)
	other := newTestCA(t, testOptions(t))
	good, err := ca.IssueClient("u1", "Good Gus", time.Hour)
	mustNil(t, err)
	bad, err := ca.IssueClient("u2", "Revoked Rita", time.Hour)
	mustNil(t, err)
	stranger, err := other.IssueClient("u3", "Stranger", time.Hour)
	mustNil(t, err)
	revokedAt := clock.Now().Add(-time.Hour).Truncate(time.Second)

	var asked []*big.Int
	status := func(serial *big.Int) (bool, time.Time, int, bool) {
		asked = append(asked, serial)
		switch {
		case serial.Cmp(bad.Cert.SerialNumber) == 0:
			return true, revokedAt, ocsp.KeyCompromise, true
		case serial.Cmp(good.Cert.SerialNumber) == 0:
			return false, time.Time{}, 0, true
		default:
			return false, time.Time{}, 0, false
		}
	}
	request := func(cert, issuer *x509.Certificate, h crypto.Hash) []byte {
		der, err := ocsp.CreateRequest(cert, issuer, &ocsp.RequestOptions{Hash: h})
		mustNil(t, err)
		return der
	}
	// A certificate this CA never issued: our issuer, unknown serial.
	unknownCert := &x509.Certificate{SerialNumber: big.NewInt(424242)}

	tests := []struct {
		name       string
		req        []byte
		wantStatus int
		wantErr    error
		wantBytes  []byte
	}{
		{"ok/good", request(good.Cert, ca.Intermediate(), crypto.SHA1), ocsp.Good, nil, nil},
		{"ok/good-sha256", request(good.Cert, ca.Intermediate(), crypto.SHA256), ocsp.Good, nil, nil},
		{"ok/revoked", request(bad.Cert, ca.Intermediate(), crypto.SHA1), ocsp.Revoked, nil, nil},
		{"ok/unknown", request(unknownCert, ca.Intermediate(), crypto.SHA1), ocsp.Unknown, nil, nil},
		{"fail/other-issuer", request(stranger.Cert, other.Intermediate(), crypto.SHA1), 0, ErrOCSPUnauthorized, ocsp.UnauthorizedErrorResponse},
		{"fail/root-as-issuer", request(good.Cert, ca.Root(), crypto.SHA1), 0, ErrOCSPUnauthorized, ocsp.UnauthorizedErrorResponse},
		{"fail/malformed", []byte("GET / HTTP/1.1"), 0, ErrOCSPMalformed, ocsp.MalformedRequestErrorResponse},
		{"fail/empty", nil, 0, ErrOCSPMalformed, ocsp.MalformedRequestErrorResponse},
		{"fail/too-large", make([]byte, maxOCSPRequest+1), 0, ErrOCSPMalformed, ocsp.MalformedRequestErrorResponse},
		{"fail/trailing-data", append(request(good.Cert, ca.Intermediate(), crypto.SHA1), 0), 0, ErrOCSPMalformed, ocsp.MalformedRequestErrorResponse},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			asked = nil
			resp, err := ca.OCSPResponse(tt.req, status)
			if tt.wantErr != nil {
				wantErr(t, err, tt.wantErr)
				if !bytes.Equal(resp, tt.wantBytes) {
					t.Errorf("response = %x, want %x", resp, tt.wantBytes)
				}
				if len(asked) != 0 {
					t.Error("status looked up for a refused request")
				}
				return
			}
			mustNil(t, err)
			req, err := ocsp.ParseRequest(tt.req)
			mustNil(t, err)
			// ParseResponse checks the signature against the intermediate.
			r, err := ocsp.ParseResponse(resp, ca.Intermediate())
			if err != nil {
				t.Fatalf("ParseResponse: %v", err)
			}
			if r.Status != tt.wantStatus || r.SerialNumber.Cmp(req.SerialNumber) != 0 {
				t.Errorf("status %d serial %v, want %d %v", r.Status, r.SerialNumber, tt.wantStatus, req.SerialNumber)
			}
			if len(asked) != 1 || asked[0].Cmp(req.SerialNumber) != 0 {
				t.Errorf("status asked for %v", asked)
			}
			if !r.ThisUpdate.Equal(clock.Now()) || !r.NextUpdate.Equal(clock.Now().Add(OCSPValidity)) {
				t.Errorf("ThisUpdate %v NextUpdate %v", r.ThisUpdate, r.NextUpdate)
			}
			if r.Status == ocsp.Revoked && (!r.RevokedAt.Equal(revokedAt) || r.RevocationReason != ocsp.KeyCompromise) {
				t.Errorf("RevokedAt %v reason %d", r.RevokedAt, r.RevocationReason)
			}
			if r.Certificate != nil {
				t.Error("response embeds a certificate: the issuer signs directly")
			}
		})
	}

	t.Run("fail/bad-reason-from-status", func(t *testing.T) {
		resp, err := ca.OCSPResponse(request(bad.Cert, ca.Intermediate(), crypto.SHA1),
			func(*big.Int) (bool, time.Time, int, bool) { return true, revokedAt, 7, true })
		if err == nil || resp != nil || errors.Is(err, ErrOCSPMalformed) {
			t.Fatalf("resp=%x err=%v, want an internal error and no bytes", resp, err)
		}
	})
}
