-- The tamper-evident audit log (internal/audit/tlog): a Merkle tree over
-- the outbox entries. The sequencer gives each outbox row its leaf index
-- (log_index; NULL until sequenced, so rows that commit out of seq order on
-- PostgreSQL are simply picked up by a later batch), stores the tree's
-- hashes as tlog tiles (256 hashes of one level per tile, the rightmost
-- tile of a level partial and rewritten as it fills) and every signed
-- checkpoint.
ALTER TABLE audit_outbox ADD COLUMN log_index BIGINT;
CREATE UNIQUE INDEX audit_outbox_log_index ON audit_outbox (log_index);
CREATE INDEX audit_outbox_pending ON audit_outbox (seq) WHERE log_index IS NULL;

CREATE TABLE audit_log_tiles (
	lvl INTEGER NOT NULL,   -- tile level: holds tree nodes of height 8*lvl
	idx BIGINT NOT NULL,    -- tile index
	hashes BYTEA NOT NULL,  -- 32*width bytes, width 1..256
	PRIMARY KEY (lvl, idx)
);

CREATE TABLE audit_checkpoints (
	size BIGINT PRIMARY KEY,
	root BYTEA NOT NULL,
	note TEXT NOT NULL,     -- the C2SP signed-note checkpoint
	created_at BIGINT NOT NULL
);
