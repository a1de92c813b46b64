package pki

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/x509"
	"encoding/pem"
	"fmt"
)

const (
	maxCertFile = 64 << 10
	// ageHeader starts every age file; checking it tells a damaged root
	// key file apart without decrypting it.
	ageHeader = "age-encryption.org/v1\n"
)

// load opens an existing CA. Every failure names the file at fault.
func load(opts Options, l layout) (*CA, error) {
	pass, _, err := resolvePassphrase(opts, l.path(passphraseFile), false)
	if err != nil {
		return nil, err
	}
	defer wipe(pass)
	root, err := readCertFile(l.path(rootCertFile))
	if err != nil {
		return nil, err
	}
	inter, err := readCertFile(l.path(interCertFile))
	if err != nil {
		return nil, err
	}
	// The root key is only checked to be there: it is not needed to run,
	// and not decrypting it keeps it out of this process's memory.
	sealedRoot, err := readLimited(l.path(rootKeyFile), maxKeyFile)
	if err != nil {
		return nil, err
	}
	if !bytes.HasPrefix(sealedRoot, []byte(ageHeader)) {
		return nil, fmt.Errorf("%s is not an age file: %w", l.path(rootKeyFile), ErrCorrupt)
	}
	interKey, err := openKeyFile(l.path(interKeyFile), pass)
	if err != nil {
		return nil, err
	}
	if err := checkHierarchy(l, root, inter, interKey); err != nil {
		return nil, err
	}
	return newCA(opts, root, inter, interKey), nil
}

// checkHierarchy makes sure the files belong together: a self-signed CA
// root, an intermediate it signed, and the intermediate's own key.
func checkHierarchy(l layout, root, inter *x509.Certificate, key *ecdsa.PrivateKey) error {
	if !root.IsCA || root.CheckSignatureFrom(root) != nil {
		return fmt.Errorf("%s is not a self-signed CA certificate: %w", l.path(rootCertFile), ErrCorrupt)
	}
	if !inter.IsCA {
		return fmt.Errorf("%s is not a CA certificate: %w", l.path(interCertFile), ErrCorrupt)
	}
	if err := inter.CheckSignatureFrom(root); err != nil {
		return fmt.Errorf("%s is not signed by %s: %w: %w",
			l.path(interCertFile), l.path(rootCertFile), ErrCorrupt, err)
	}
	pub, ok := inter.PublicKey.(*ecdsa.PublicKey)
	if !ok || !pub.Equal(&key.PublicKey) {
		return fmt.Errorf("%s does not hold the key of %s: %w",
			l.path(interKeyFile), l.path(interCertFile), ErrCorrupt)
	}
	return nil
}

// readCertFile reads a file holding exactly one PEM certificate.
func readCertFile(path string) (*x509.Certificate, error) {
	b, err := readLimited(path, maxCertFile)
	if err != nil {
		return nil, err
	}
	block, rest := pem.Decode(b)
	if block == nil || block.Type != "CERTIFICATE" || len(bytes.TrimSpace(rest)) != 0 {
		return nil, fmt.Errorf("%s does not hold exactly one PEM certificate: %w", path, ErrCorrupt)
	}
	c, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("%s: %w: %w", path, ErrCorrupt, err)
	}
	return c, nil
}

func newCA(opts Options, root, inter *x509.Certificate, key *ecdsa.PrivateKey) *CA {
	rootPool := x509.NewCertPool()
	rootPool.AddCert(root)
	interPool := x509.NewCertPool()
	interPool.AddCert(inter)
	return &CA{
		root:      root,
		rootPEM:   certPEM(root.Raw),
		inter:     inter,
		interPEM:  certPEM(inter.Raw),
		interKey:  key,
		now:       opts.Now,
		crlURL:    opts.CRLURL,
		ocspURL:   opts.OCSPURL,
		rootPool:  rootPool,
		interPool: interPool,
	}
}
