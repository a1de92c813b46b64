package pki

import (
	"crypto/rand"
	"crypto/x509"
	"fmt"
	"math/big"
	"time"
)

// CRLValidity is how long a CRL is valid: its NextUpdate is ThisUpdate
// plus this. Publish a fresh one well before it runs out.
const CRLValidity = 24 * time.Hour

// CRL returns a DER CRL signed by the intermediate, listing revoked. number
// is the CRL number; it must not be negative and must grow with each CRL
// the caller publishes (keeping it is the caller's job: the CA holds no
// state). ThisUpdate is now and NextUpdate now plus CRLValidity.
func (ca *CA) CRL(revoked []x509.RevocationListEntry, number *big.Int) ([]byte, error) {
	if number == nil || number.Sign() < 0 {
		return nil, fmt.Errorf("pki: CRL number must be non-negative")
	}
	for i, e := range revoked {
		if e.SerialNumber == nil || e.SerialNumber.Sign() <= 0 {
			return nil, fmt.Errorf("pki: revoked entry %d has no positive serial", i)
		}
		if e.RevocationTime.IsZero() {
			return nil, fmt.Errorf("pki: revoked entry %d (serial %s) has no revocation time", i, FormatSerial(e.SerialNumber))
		}
	}
	now := ca.clock()
	der, err := x509.CreateRevocationList(rand.Reader, &x509.RevocationList{
		RevokedCertificateEntries: revoked,
		Number:                    number,
		ThisUpdate:                now,
		NextUpdate:                now.Add(CRLValidity),
	}, ca.inter, ca.interKey)
	if err != nil {
		return nil, fmt.Errorf("pki: sign CRL: %w", err)
	}
	return der, nil
}
