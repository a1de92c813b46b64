-- An organization can also require its members' second factor to be a
-- passkey (a hardware or platform authenticator), not a code.
ALTER TABLE orgs ADD COLUMN require_passkey INTEGER NOT NULL DEFAULT 0;
