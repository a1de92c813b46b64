-- Inventory, carts, orders. Order contact and shipping addresses are
-- personal (class "confidential"): they are sealed by the keyring, bound
-- to table, column and row.
CREATE TABLE warehouses (
	id TEXT PRIMARY KEY,                -- whs_...
	merchant_id TEXT NOT NULL REFERENCES merchants (id),
	name TEXT NOT NULL,
	country TEXT NOT NULL,
	created_at BIGINT NOT NULL
);
CREATE INDEX warehouses_merchant ON warehouses (merchant_id, created_at);

-- Every change to a variant's stock rows also sets variants.available and
-- products.in_stock, in the same transaction (internal/inventory).
CREATE TABLE stock (
	variant_id TEXT NOT NULL REFERENCES variants (id),
	warehouse_id TEXT NOT NULL REFERENCES warehouses (id),
	on_hand INTEGER NOT NULL CHECK (on_hand >= 0),
	reserved INTEGER NOT NULL DEFAULT 0 CHECK (reserved >= 0 AND reserved <= on_hand),
	updated_at BIGINT NOT NULL,
	PRIMARY KEY (variant_id, warehouse_id)
);
CREATE INDEX stock_warehouse ON stock (warehouse_id);

CREATE TABLE carts (
	id TEXT PRIMARY KEY,                -- crt_...
	owner_id TEXT NOT NULL UNIQUE,      -- account ID, or a guest ID (gst_...) held by the guest's cookie
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL
);

CREATE TABLE cart_items (
	cart_id TEXT NOT NULL REFERENCES carts (id),
	variant_id TEXT NOT NULL REFERENCES variants (id),
	quantity INTEGER NOT NULL CHECK (quantity > 0 AND quantity <= 10000),
	seen_price BIGINT NOT NULL,         -- unit price shown when added: checkout refuses a higher one
	seen_currency TEXT NOT NULL,
	added_at BIGINT NOT NULL,
	PRIMARY KEY (cart_id, variant_id)
);

-- One order per merchant: a cart with items from two merchants checks
-- out as two orders sharing a checkout_id.
CREATE TABLE orders (
	id TEXT PRIMARY KEY,                -- ord_...
	checkout_id TEXT NOT NULL,          -- chk_...
	buyer_id TEXT NOT NULL REFERENCES accounts (id),
	org_id TEXT,
	merchant_id TEXT NOT NULL REFERENCES merchants (id),
	status TEXT NOT NULL,
	currency TEXT NOT NULL,
	subtotal BIGINT NOT NULL,
	shipping_fee BIGINT NOT NULL,
	tax BIGINT NOT NULL,
	total BIGINT NOT NULL,
	shipping_method TEXT NOT NULL,
	ship_country TEXT NOT NULL,         -- kept clear for tax and shipping rules
	address_ct BYTEA NOT NULL,          -- sealed JSON: name, lines, city, postcode, phone
	carrier TEXT,
	tracking TEXT,
	cancel_reason TEXT,
	expires_at BIGINT,                  -- pending_payment only: when the reservation lapses
	stock_state TEXT NOT NULL,          -- reserved | released | shipped: what the lines hold in stock
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL
);
CREATE INDEX orders_buyer ON orders (buyer_id, created_at);
CREATE INDEX orders_merchant ON orders (merchant_id, status, created_at);
CREATE INDEX orders_checkout ON orders (checkout_id);
CREATE INDEX orders_expiry ON orders (status, expires_at);

-- Each line is a snapshot taken at checkout: later edits to the product
-- change nothing here.
CREATE TABLE order_lines (
	order_id TEXT NOT NULL REFERENCES orders (id),
	line_no INTEGER NOT NULL,
	product_id TEXT NOT NULL,
	variant_id TEXT NOT NULL,
	warehouse_id TEXT NOT NULL,
	sku TEXT NOT NULL,
	title TEXT NOT NULL,
	variant_title TEXT NOT NULL,
	unit_price BIGINT NOT NULL,
	quantity INTEGER NOT NULL CHECK (quantity > 0),
	line_total BIGINT NOT NULL,
	tax_bps INTEGER NOT NULL,
	tax BIGINT NOT NULL,
	PRIMARY KEY (order_id, line_no)
);

-- Every transition, with who made it and when.
CREATE TABLE order_events (
	order_id TEXT NOT NULL REFERENCES orders (id),
	seq INTEGER NOT NULL,
	from_status TEXT NOT NULL,          -- "" for creation
	to_status TEXT NOT NULL,
	actor TEXT NOT NULL,                -- account ID or "system"
	actor_kind TEXT NOT NULL,           -- buyer | merchant | system | support
	note TEXT NOT NULL DEFAULT '',
	at BIGINT NOT NULL,
	PRIMARY KEY (order_id, seq)
);

-- Idempotency keys for state-changing API calls: the first call's
-- response is kept and replayed; the same key with another body is 409.
CREATE TABLE idempotency_keys (
	owner_id TEXT NOT NULL,
	key TEXT NOT NULL,
	request_hash BYTEA NOT NULL,
	status INTEGER NOT NULL,            -- 0 while the first call runs
	response BYTEA,
	created_at BIGINT NOT NULL,
	PRIMARY KEY (owner_id, key)
);
