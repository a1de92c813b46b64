-- The audit outbox: events written in the same transaction as their
-- change, numbered at insert (seq; on PostgreSQL concurrent transactions may
-- commit out of seq order, which the Merkle-tree sequencer must handle).
CREATE TABLE audit_outbox (
	seq INTEGER PRIMARY KEY AUTOINCREMENT,
	id TEXT NOT NULL UNIQUE,
	created_at BIGINT NOT NULL,
	action TEXT NOT NULL,
	actor TEXT NOT NULL,
	body TEXT NOT NULL,     -- canonical JSON entry
	ip_ct BYTEA             -- the source address, sealed; erased by retention
);
CREATE INDEX audit_outbox_actor ON audit_outbox (actor, seq);
