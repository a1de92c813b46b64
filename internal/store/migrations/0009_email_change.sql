-- A pending change of email address: it applies only when both the old
-- and the new address have confirmed (each by its own single-use link in
-- account_tokens, purposes email_change_old and email_change_new).
CREATE TABLE email_changes (
	account_id TEXT PRIMARY KEY REFERENCES accounts (id),
	new_email_ct BYTEA NOT NULL,
	new_email_bidx BYTEA NOT NULL,
	old_confirmed INTEGER NOT NULL DEFAULT 0,
	new_confirmed INTEGER NOT NULL DEFAULT 0,
	expires_at BIGINT NOT NULL,
	created_at BIGINT NOT NULL
);
