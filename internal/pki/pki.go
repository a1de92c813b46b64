// Package pki is Citadel's built-in certificate authority: a root that
// signs one intermediate, and the intermediate that issues TLS server and
// client certificates, signs CRLs and answers OCSP requests.
//
// Everything lives in one directory. The two private keys are stored
// encrypted with an age passphrase; after the CA exists only the
// intermediate key is ever decrypted, so the root key stays sealed on disk
// while the platform runs. The package knows nothing of databases or HTTP:
// revocation state is handed in by the caller (a list for CRLs, a lookup
// function for OCSP).
package pki

import (
	"crypto/ecdsa"
	"crypto/x509"
	"errors"
	"time"
)

// Options configure LoadOrCreate. Only Dir is required.
type Options struct {
	// Dir holds the CA's files, e.g. <data>/ca. It is created 0700 if
	// missing. It must not be a mount point: creation swaps it atomically
	// by rename, so mount its parent instead.
	Dir string
	// Passphrase encrypts the root and intermediate private keys at rest.
	// When empty, Dir/passphrase is read, or generated when the CA is
	// created (see LoadOrCreate).
	Passphrase []byte
	// WorkFactor is the age scrypt log2 work factor used when creating the
	// key files; 0 means 18. Tests use about 10 to stay fast.
	WorkFactor int
	// Organization goes into the O of the CA names; "" means "Citadel".
	Organization string
	// Now is the clock; nil means time.Now. Its result is always used in UTC.
	Now func() time.Time
	// CRLURL, when set, is put into the CRL distribution points of leaves.
	CRLURL string
	// OCSPURL, when set, is put into the OCSP server field of leaves.
	OCSPURL string
}

// Sentinel errors. Callers distinguish them with errors.Is; the wrapping
// error carries the detail (which file, which name) for the log.
var (
	// ErrBadPassphrase: the passphrase does not decrypt a key file. The
	// operator must supply the passphrase the CA was created with.
	ErrBadPassphrase = errors.New("wrong CA passphrase")
	// ErrNoPassphrase: an existing CA was found but no passphrase was given
	// and Dir/passphrase does not exist.
	ErrNoPassphrase = errors.New("no CA passphrase given")
	// ErrInsecureFile: the passphrase file is readable by others or is not
	// a regular file. Fix its mode (chmod 600) and start again.
	ErrInsecureFile = errors.New("CA file is not private")
	// ErrCorrupt: a CA file is missing, unparsable or inconsistent with the
	// others. Restore the directory from backup; the CA is not recreated.
	ErrCorrupt = errors.New("CA files are damaged")
	// ErrInvalidRequest: an issuance request was refused (bad name, user
	// ID, subject, validity, CSR or key). Safe to report to the requester.
	ErrInvalidRequest = errors.New("invalid certificate request")
	// ErrUntrusted: a presented certificate chain does not verify against
	// this CA for the purpose asked, or does not bind a user.
	ErrUntrusted = errors.New("certificate not trusted")
	// ErrNoPrivateKey: the Issued value came from a CSR, so the key is
	// held by the requester and no tls.Certificate can be built here.
	ErrNoPrivateKey = errors.New("issued certificate has no private key")
	// ErrInvalidSerial: ParseSerial was given something that is not a
	// positive serial number of at most 20 octets.
	ErrInvalidSerial = errors.New("invalid serial number")
)

// CA is a loaded certificate authority. Its methods are safe for
// concurrent use: after LoadOrCreate nothing in it changes.
type CA struct {
	root      *x509.Certificate
	rootPEM   []byte
	inter     *x509.Certificate
	interPEM  []byte
	interKey  *ecdsa.PrivateKey
	now       func() time.Time
	crlURL    string
	ocspURL   string
	rootPool  *x509.CertPool
	interPool *x509.CertPool
}

// Root returns the root certificate. Callers must not modify it.
func (ca *CA) Root() *x509.Certificate { return ca.root }

// Intermediate returns the issuing certificate. Callers must not modify it.
func (ca *CA) Intermediate() *x509.Certificate { return ca.inter }

// RootPEM returns the root certificate in PEM, for distribution to clients
// that should trust this CA.
func (ca *CA) RootPEM() []byte { return clone(ca.rootPEM) }

// Pool returns a new pool holding only the root, for clients and tests
// that verify servers (tls.Config.RootCAs) or clients (ClientCAs).
func (ca *CA) Pool() *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(ca.root)
	return p
}

// ChainPEM returns the intermediate certificate in PEM. It is what a TLS
// server sends after its own leaf: the root is deliberately left out,
// since peers must already hold it as a trust anchor and a root sent in
// the handshake proves nothing.
func (ca *CA) ChainPEM() []byte { return clone(ca.interPEM) }

func (ca *CA) clock() time.Time { return ca.now().UTC() }

func clone(b []byte) []byte { return append([]byte(nil), b...) }
