-- Accounts, roles, sessions and single-use email tokens. Email addresses
-- and password hashes are sealed by the keyring (bound to table, column
-- and row); sign-in finds an account by the email's blind index.
CREATE TABLE accounts (
	id TEXT PRIMARY KEY,
	kind TEXT NOT NULL,                 -- customer | business | merchant | staff
	email_bidx BYTEA NOT NULL UNIQUE,
	email_ct BYTEA NOT NULL,
	password_ct BYTEA,                  -- sealed argon2id hash; NULL until enrolment
	email_verified_at BIGINT,
	org_id TEXT,
	merchant_id TEXT,
	status TEXT NOT NULL,               -- active | disabled
	failed_signins INTEGER NOT NULL DEFAULT 0,
	password_blocked_at BIGINT,         -- set after 10 failures: the password alone no longer signs in
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL
);

CREATE TABLE account_roles (
	account_id TEXT NOT NULL REFERENCES accounts (id),
	role TEXT NOT NULL,
	granted_by TEXT NOT NULL,
	granted_at BIGINT NOT NULL,
	PRIMARY KEY (account_id, role)
);

CREATE TABLE sessions (
	id_hash BYTEA PRIMARY KEY,          -- SHA-256 of the cookie's 256-bit secret
	handle TEXT NOT NULL UNIQUE,        -- public name, to list and revoke without the secret
	account_id TEXT NOT NULL REFERENCES accounts (id),
	created_at BIGINT NOT NULL,
	last_seen_at BIGINT NOT NULL,
	expires_at BIGINT NOT NULL,         -- absolute limit
	idle_seconds INTEGER NOT NULL,
	mfa_at BIGINT,
	ip_ct BYTEA,
	user_agent TEXT NOT NULL,
	revoked_at BIGINT
);
CREATE INDEX sessions_account ON sessions (account_id);

CREATE TABLE account_tokens (
	token_hash BYTEA PRIMARY KEY,       -- SHA-256 of the link's secret
	account_id TEXT NOT NULL REFERENCES accounts (id),
	purpose TEXT NOT NULL,              -- verify_email | reset_password | enrol | unlock
	expires_at BIGINT NOT NULL,
	used_at BIGINT,
	created_at BIGINT NOT NULL
);
CREATE INDEX account_tokens_account ON account_tokens (account_id, purpose);
