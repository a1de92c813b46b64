-- Consent: every change is a row (who agreed to what, to which version
-- of the text, when); the newest row per purpose is the current state.
CREATE TABLE consents (
	account_id TEXT NOT NULL REFERENCES accounts (id),
	purpose TEXT NOT NULL,              -- terms | marketing_email | analytics
	version TEXT NOT NULL,              -- version of the text agreed to
	granted INTEGER NOT NULL,
	at BIGINT NOT NULL,
	PRIMARY KEY (account_id, purpose, at)
);

-- Personal-data exports: prepared in the background, sealed, offered once
-- through a short-lived link.
CREATE TABLE data_exports (
	id TEXT PRIMARY KEY,
	account_id TEXT NOT NULL REFERENCES accounts (id),
	token_hash BYTEA NOT NULL UNIQUE,
	payload_ct BYTEA,                   -- NULL while being prepared
	created_at BIGINT NOT NULL,
	expires_at BIGINT NOT NULL,
	used_at BIGINT
);
