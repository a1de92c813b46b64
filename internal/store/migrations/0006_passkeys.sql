-- WebAuthn passkeys. Public keys and credential IDs are not secret, so
-- they are stored in clear. A ceremony's state lives server-side in
-- passkey_challenges: the browser holds only an opaque token whose
-- SHA-256 is the row's id, and each row is used at most once.
CREATE TABLE passkey_credentials (
	id TEXT PRIMARY KEY,                   -- base64url (unpadded) of the credential ID
	account_id TEXT NOT NULL REFERENCES accounts (id),
	public_key BYTEA NOT NULL,             -- COSE_Key
	sign_count BIGINT NOT NULL DEFAULT 0,
	aaguid BYTEA,
	transports TEXT NOT NULL DEFAULT '',   -- comma-separated
	attestation_format TEXT NOT NULL DEFAULT '',
	name TEXT NOT NULL,
	backup_eligible INTEGER NOT NULL DEFAULT 0,
	backup_state INTEGER NOT NULL DEFAULT 0,
	created_at BIGINT NOT NULL,
	last_used_at BIGINT
);
CREATE INDEX passkey_credentials_account ON passkey_credentials (account_id);

CREATE TABLE passkey_challenges (
	id TEXT PRIMARY KEY,                   -- base64url of SHA-256 of the state token
	account_id TEXT REFERENCES accounts (id), -- NULL for a discoverable sign-in
	kind TEXT NOT NULL,                    -- register | login | sign
	session_data TEXT NOT NULL,            -- JSON of webauthn.SessionData
	created_at BIGINT NOT NULL,
	expires_at BIGINT NOT NULL,
	used_at BIGINT
);
CREATE INDEX passkey_challenges_expiry ON passkey_challenges (expires_at);
