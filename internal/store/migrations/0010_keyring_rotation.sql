-- Checkpoints of re-encryption after a data-key rotation: one row per
-- class, target version and sealed column. Each batch of re-sealed rows
-- commits together with its checkpoint, so a re-encryption stopped by a
-- crash resumes after last_id.
CREATE TABLE keyring_rotation_progress (
	class TEXT NOT NULL,
	target_version INTEGER NOT NULL,
	table_name TEXT NOT NULL,
	column_name TEXT NOT NULL,
	last_id TEXT NOT NULL,              -- rows up to this ID are done
	done BIGINT NOT NULL,
	total BIGINT NOT NULL,
	finished_at BIGINT,                 -- NULL while the pass runs
	updated_at BIGINT NOT NULL,
	PRIMARY KEY (class, target_version, table_name, column_name)
);
