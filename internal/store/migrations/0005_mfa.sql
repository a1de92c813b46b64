-- Second factors. TOTP secrets are sealed (restricted); recovery codes
-- and one-time codes are stored only as keyed hashes. A session that
-- passed the password but not yet the second factor has stage 'mfa' and
-- opens nothing but the second-factor page.
CREATE TABLE mfa_totp (
	account_id TEXT PRIMARY KEY REFERENCES accounts (id),
	secret_ct BYTEA NOT NULL,
	last_step BIGINT NOT NULL DEFAULT 0,   -- the last accepted time step: a code is accepted once
	confirmed_at BIGINT,                   -- NULL while enrolment is pending
	created_at BIGINT NOT NULL
);

CREATE TABLE mfa_recovery_codes (
	account_id TEXT NOT NULL REFERENCES accounts (id),
	idx INTEGER NOT NULL,
	code_hash BYTEA NOT NULL,
	used_at BIGINT,
	PRIMARY KEY (account_id, idx)
);

CREATE TABLE mfa_otp (
	account_id TEXT PRIMARY KEY REFERENCES accounts (id),
	code_hash BYTEA NOT NULL,
	channel TEXT NOT NULL,                 -- email | sms
	attempts INTEGER NOT NULL DEFAULT 0,
	expires_at BIGINT NOT NULL,
	created_at BIGINT NOT NULL
);

ALTER TABLE sessions ADD COLUMN stage TEXT NOT NULL DEFAULT 'full';
