-- Full-text search on PostgreSQL: a generated, weighted tsvector (title
-- above description) with a GIN index. Rank with ts_rank_cd().
ALTER TABLE products ADD COLUMN search tsvector GENERATED ALWAYS AS (
	setweight(to_tsvector('simple', title), 'A') || setweight(to_tsvector('simple', description), 'B')
) STORED;
CREATE INDEX products_search ON products USING GIN (search);
