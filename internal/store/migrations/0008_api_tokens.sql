-- Personal access tokens for API clients: scoped to authz actions,
-- expiring, stored only as a hash, shown once at creation.
CREATE TABLE api_tokens (
	id TEXT PRIMARY KEY,
	account_id TEXT NOT NULL REFERENCES accounts (id),
	name TEXT NOT NULL,
	scopes TEXT NOT NULL,               -- space-separated authz actions
	token_hash BYTEA NOT NULL UNIQUE,   -- SHA-256 of the secret
	created_at BIGINT NOT NULL,
	expires_at BIGINT NOT NULL,
	last_used_at BIGINT,
	revoked_at BIGINT
);
CREATE INDEX api_tokens_account ON api_tokens (account_id);
