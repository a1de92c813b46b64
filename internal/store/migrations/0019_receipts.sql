-- Signed receipts, one per paid checkout: the order information, the
-- payment instruction's hash, the buyer's consent and the platform's
-- Ed25519 signature (see internal/evidence). No card data beyond brand
-- and last four; the address appears only as a hash.
CREATE TABLE receipts (
	checkout_id TEXT PRIMARY KEY,
	buyer_id TEXT NOT NULL REFERENCES accounts (id),
	receipt BYTEA NOT NULL,
	created_at BIGINT NOT NULL
);
CREATE INDEX receipts_buyer ON receipts (buyer_id, created_at);
