-- The catalog: merchants, categories, products and their variants, and
-- product images. The catalog is public data (class "public"): nothing
-- here is personal. Prices are integer minor units with their currency.
-- Full-text search indexes are engine-specific: see 0016_catalog_search.
CREATE TABLE merchants (
	id TEXT PRIMARY KEY,                -- mer_...
	slug TEXT NOT NULL UNIQUE,
	name TEXT NOT NULL,
	status TEXT NOT NULL,               -- active | suspended
	created_at BIGINT NOT NULL
);

CREATE TABLE categories (
	id TEXT PRIMARY KEY,                -- cat_...
	slug TEXT NOT NULL UNIQUE,
	name TEXT NOT NULL,
	parent_id TEXT REFERENCES categories (id),
	position INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE products (
	id TEXT PRIMARY KEY,                -- prd_...
	merchant_id TEXT NOT NULL REFERENCES merchants (id),
	category_id TEXT REFERENCES categories (id),
	title TEXT NOT NULL,
	description TEXT NOT NULL,
	status TEXT NOT NULL,               -- active | archived
	currency TEXT NOT NULL,             -- every variant is priced in it
	min_price BIGINT NOT NULL,          -- lowest active variant price, for sorting and filters
	in_stock INTEGER NOT NULL DEFAULT 0, -- 1 when some active variant has available > 0
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL
);
CREATE INDEX products_merchant ON products (merchant_id, status, created_at);
CREATE INDEX products_category ON products (category_id, status, created_at);
CREATE INDEX products_price ON products (status, min_price);

CREATE TABLE variants (
	id TEXT PRIMARY KEY,                -- var_...
	product_id TEXT NOT NULL REFERENCES products (id),
	sku TEXT NOT NULL,
	title TEXT NOT NULL,                -- "M / Blue"
	options TEXT NOT NULL,              -- canonical JSON object {"colour":"Blue","size":"M"}
	price_minor BIGINT NOT NULL CHECK (price_minor >= 0),
	currency TEXT NOT NULL,
	status TEXT NOT NULL,               -- active | archived
	available INTEGER NOT NULL DEFAULT 0 CHECK (available >= 0), -- sum over warehouses of on_hand - reserved; kept by inventory
	position INTEGER NOT NULL DEFAULT 0,
	UNIQUE (product_id, sku)
);
CREATE INDEX variants_product ON variants (product_id, position);

CREATE TABLE product_images (
	id TEXT PRIMARY KEY,                -- img_...
	product_id TEXT NOT NULL REFERENCES products (id),
	content_type TEXT NOT NULL,         -- image/png | image/jpeg | image/webp
	data BYTEA NOT NULL,
	sha256 BYTEA NOT NULL,
	position INTEGER NOT NULL DEFAULT 0,
	created_at BIGINT NOT NULL
);
CREATE INDEX product_images_product ON product_images (product_id, position);

-- Listings and search sort by newest or by price over active products and
-- filter on merchant, category, currency, price and stock. These indexes
-- hold every column those filters read, so a page is found by walking one
-- index in order without reading the (wide) product rows it skips.
CREATE INDEX products_newest ON products (status, created_at, id, merchant_id, category_id, currency, min_price, in_stock);
CREATE INDEX products_cheapest ON products (status, min_price, id, merchant_id, category_id, currency, in_stock, created_at);
