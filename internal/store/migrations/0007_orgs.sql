-- Business organizations (B2B). An organization can require its members
-- to present a valid, unrevoked client certificate from the platform's CA,
-- bound to their account, besides their password.
CREATE TABLE orgs (
	id TEXT PRIMARY KEY,
	name TEXT NOT NULL,
	require_client_cert INTEGER NOT NULL DEFAULT 0,
	created_at BIGINT NOT NULL
);
