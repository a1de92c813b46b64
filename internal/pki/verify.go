package pki

import (
	"crypto/x509"
	"fmt"
)

// VerifyClient checks a client certificate chain as presented in a TLS
// handshake (leaf first) and returns the user ID it is bound to.
//
// The leaf must be a non-CA certificate for client authentication, valid
// now, issued by this CA's intermediate and carrying exactly one
// "citadel:user:" URI. Intermediates sent by the client are ignored: only
// this CA's own intermediate can vouch for a leaf. Revocation is not
// checked here, since the CA holds no revocation state: the caller must
// still look the serial (chain[0].SerialNumber) up. Failures wrap
// ErrUntrusted.
func (ca *CA) VerifyClient(chain []*x509.Certificate) (userID string, err error) {
	if len(chain) == 0 || chain[0] == nil {
		return "", fmt.Errorf("%w: no client certificate", ErrUntrusted)
	}
	leaf := chain[0]
	if leaf.IsCA {
		return "", fmt.Errorf("%w: a CA certificate is not a client certificate", ErrUntrusted)
	}
	chains, err := leaf.Verify(x509.VerifyOptions{
		Roots:         ca.rootPool,
		Intermediates: ca.interPool,
		CurrentTime:   ca.clock(),
		KeyUsages:     []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	})
	if err != nil {
		return "", fmt.Errorf("%w: %w", ErrUntrusted, err)
	}
	if !issuedByIntermediate(chains, ca.inter) {
		return "", fmt.Errorf("%w: not issued by the intermediate", ErrUntrusted)
	}
	return userFromCert(leaf)
}

// issuedByIntermediate reports whether some verified chain runs
// leaf -> inter -> root. The root only ever signs the intermediate, so a
// leaf chaining to the root any other way was not issued by this CA.
func issuedByIntermediate(chains [][]*x509.Certificate, inter *x509.Certificate) bool {
	for _, c := range chains {
		if len(c) == 3 && c[1].Equal(inter) {
			return true
		}
	}
	return false
}
