package pki

import (
	"crypto/x509"
	"fmt"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"
)

// A client certificate binds an account through one URI SAN of the form
// "citadel:user:<userID>". The account, not the common name, is what the
// platform trusts: the subject is free text for people to read.
const (
	uriScheme    = "citadel"
	userIDPrefix = "user:"
	maxUserID    = 128
	maxSubject   = 64 // the X.520 upper bound for a common name
)

// userURI builds the binding URI for userID, which must be 1 to 128 bytes
// of ASCII letters, digits, '.', '_' or '-' (so it never needs escaping).
func userURI(userID string) (*url.URL, error) {
	if err := checkUserID(userID); err != nil {
		return nil, err
	}
	return &url.URL{Scheme: uriScheme, Opaque: userIDPrefix + userID}, nil
}

func checkUserID(id string) error {
	if id == "" || len(id) > maxUserID {
		return fmt.Errorf("%w: user ID must be 1 to %d bytes", ErrInvalidRequest, maxUserID)
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			return fmt.Errorf("%w: user ID has byte %q (letters, digits, '.', '_', '-' only)", ErrInvalidRequest, c)
		}
	}
	return nil
}

// checkSubject accepts a printable UTF-8 common name of 1 to 64 bytes
// without surrounding spaces.
func checkSubject(s string) error {
	if s == "" || len(s) > maxSubject {
		return fmt.Errorf("%w: subject must be 1 to %d bytes", ErrInvalidRequest, maxSubject)
	}
	if !utf8.ValidString(s) || strings.TrimSpace(s) != s {
		return fmt.Errorf("%w: subject is not clean UTF-8", ErrInvalidRequest)
	}
	for _, r := range s {
		if !unicode.IsPrint(r) {
			return fmt.Errorf("%w: subject has unprintable %U", ErrInvalidRequest, r)
		}
	}
	return nil
}

// userFromCert returns the account a client certificate is bound to. It
// insists on exactly one citadel URI, so a certificate can never be read
// as two accounts.
func userFromCert(c *x509.Certificate) (string, error) {
	var found []*url.URL
	for _, u := range c.URIs {
		if u.Scheme == uriScheme {
			found = append(found, u)
		}
	}
	if len(found) != 1 {
		return "", fmt.Errorf("%w: want one %s: URI, certificate has %d", ErrUntrusted, uriScheme, len(found))
	}
	id, ok := strings.CutPrefix(found[0].Opaque, userIDPrefix)
	if !ok || checkUserID(id) != nil {
		return "", fmt.Errorf("%w: malformed user URI %q", ErrUntrusted, found[0].String())
	}
	return id, nil
}
