package app

import (
	"crypto/tls"
	"crypto/x509"
)

// serverTLS is the TLS policy of every Citadel listener: TLS 1.2 at least
// (Go prefers 1.3 whenever the client offers it), forward-secret AEAD
// suites only for 1.2 (1.3's suites are all AEAD and not configurable),
// HTTP/2 first.
//
// It asks for, but does not require, a client certificate from the
// platform's CA (business accounts); the handshake refuses certificates
// from other CAs and expired ones, and each request checks revocation.
func serverTLS(cert tls.Certificate, clientCAs *x509.CertPool) *tls.Config {
	return &tls.Config{
		ClientAuth:   tls.VerifyClientCertIfGiven,
		ClientCAs:    clientCAs,
		MinVersion:   tls.VersionTLS12,
		Certificates: []tls.Certificate{cert},
		CipherSuites: []uint16{
			tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
			tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
			tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
			tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
			tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
			tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
		},
		NextProtos: []string{"h2", "http/1.1"},
	}
}
