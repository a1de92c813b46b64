-- Data keys per class and version, wrapped by the master key; and one key
-- per data subject (customer) for crypto-shredding. BYTEA holds bytes on
-- PostgreSQL; SQLite stores the same values as BLOBs.
CREATE TABLE keyring_data_keys (
	class TEXT NOT NULL,
	version INTEGER NOT NULL,
	wrapped BYTEA NOT NULL,
	master_id TEXT NOT NULL,
	created_at BIGINT NOT NULL,
	PRIMARY KEY (class, version)
);

CREATE TABLE keyring_subject_keys (
	subject_id TEXT PRIMARY KEY,
	wrapped BYTEA NOT NULL,
	master_id TEXT NOT NULL,
	created_at BIGINT NOT NULL
);
