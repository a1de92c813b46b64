-- Full-text search on SQLite: an external-content FTS5 table over
-- products, kept in step by triggers. Rank with bm25().
CREATE VIRTUAL TABLE products_fts USING fts5(
	title, description, content='products', content_rowid='rowid',
	tokenize='unicode61 remove_diacritics 2'
);
CREATE TRIGGER products_fts_ai AFTER INSERT ON products BEGIN
	INSERT INTO products_fts (rowid, title, description) VALUES (new.rowid, new.title, new.description);
END;
CREATE TRIGGER products_fts_ad AFTER DELETE ON products BEGIN
	INSERT INTO products_fts (products_fts, rowid, title, description) VALUES ('delete', old.rowid, old.title, old.description);
END;
CREATE TRIGGER products_fts_au AFTER UPDATE OF title, description ON products BEGIN
	INSERT INTO products_fts (products_fts, rowid, title, description) VALUES ('delete', old.rowid, old.title, old.description);
	INSERT INTO products_fts (rowid, title, description) VALUES (new.rowid, new.title, new.description);
END;
