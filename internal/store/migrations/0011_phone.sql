-- A phone number for one-time codes by SMS, sealed (confidential) and
-- found by its blind index.
ALTER TABLE accounts ADD COLUMN phone_ct BYTEA;
ALTER TABLE accounts ADD COLUMN phone_bidx BYTEA;
ALTER TABLE accounts ADD COLUMN phone_verified_at BIGINT;
CREATE INDEX accounts_phone ON accounts (phone_bidx);

CREATE TABLE phone_pending (
	account_id TEXT PRIMARY KEY REFERENCES accounts (id),
	phone_ct BYTEA NOT NULL,
	created_at BIGINT NOT NULL
);
