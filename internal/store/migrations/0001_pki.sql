-- Certificates issued by the built-in CA, and their revocation. The CRL
-- and the OCSP responder read this table on every request, so a revocation
-- takes effect at once on every node.
CREATE TABLE pki_certificates (
	serial TEXT PRIMARY KEY,            -- lowercase hex, no leading zeros
	kind TEXT NOT NULL,                 -- server | client
	subject TEXT NOT NULL,
	user_id TEXT,                       -- the account a client certificate is bound to
	not_before BIGINT NOT NULL,
	not_after BIGINT NOT NULL,
	issued_at BIGINT NOT NULL,
	revoked_at BIGINT,
	revocation_reason INTEGER
);
CREATE INDEX pki_certificates_revoked ON pki_certificates (revoked_at);

CREATE TABLE pki_crl_number (
	id INTEGER PRIMARY KEY CHECK (id = 1),
	number BIGINT NOT NULL
);
INSERT INTO pki_crl_number (id, number) VALUES (1, 0);
