-- Money: the double-entry ledger, escrow holds, the card vault, payments
-- and refunds, and the simulated acquirer's own state.
--
-- Money is integer minor units with its currency. Ledger entries and
-- their lines are written once and never updated or deleted (a correction
-- is a reversing entry); only ledger_accounts.balance changes, in the same
-- transaction as the line that moves it. `citadel ledger check`
-- (money.Check) verifies every invariant stated here.

-- An account is a (kind, owner, currency): buyer_funding/<buyer>,
-- escrow/, merchant_payable/<merchant>, platform_fees/, refunds/,
-- payouts/<merchant>. id is "kind/owner/currency".
CREATE TABLE ledger_accounts (
	id TEXT PRIMARY KEY,
	kind TEXT NOT NULL,
	owner TEXT NOT NULL,                -- '' for the platform's own accounts
	currency TEXT NOT NULL,
	balance BIGINT NOT NULL DEFAULT 0,  -- always the sum of the account's lines
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL,
	UNIQUE (kind, owner, currency)
);
CREATE INDEX ledger_accounts_owner ON ledger_accounts (owner, kind);

CREATE TABLE ledger_entries (
	id TEXT PRIMARY KEY,                -- jrn_...
	kind TEXT NOT NULL,                 -- capture | release | refund | refund_paid | payout | reversal | ...
	order_id TEXT,                      -- the order it concerns, if one
	ref TEXT NOT NULL DEFAULT '',       -- payment, refund or transfer it records
	memo TEXT NOT NULL DEFAULT '',
	reverses TEXT UNIQUE REFERENCES ledger_entries (id), -- an entry is reversed at most once
	created_at BIGINT NOT NULL
);
CREATE INDEX ledger_entries_order ON ledger_entries (order_id);
CREATE INDEX ledger_entries_created ON ledger_entries (created_at, id);

-- Lines of one entry sum to zero per currency. A positive amount moves
-- money into the account, a negative one out of it.
CREATE TABLE ledger_lines (
	entry_id TEXT NOT NULL REFERENCES ledger_entries (id),
	line_no INTEGER NOT NULL,
	account_id TEXT NOT NULL REFERENCES ledger_accounts (id),
	amount BIGINT NOT NULL CHECK (amount <> 0),
	currency TEXT NOT NULL,
	created_at BIGINT NOT NULL,         -- the entry's, for statements without a join
	PRIMARY KEY (entry_id, line_no)
);
CREATE INDEX ledger_lines_account ON ledger_lines (account_id, created_at, entry_id);

-- One hold per paid order: what the escrow account holds for it. The
-- escrow account's balance in a currency equals the sum over its holds of
-- paid - refunded - released; an open hold's order is paid but not yet
-- released (paid, accepted, shipped, delivered or disputed) and nothing
-- has left it; a closed hold holds nothing.
CREATE TABLE escrow_holds (
	order_id TEXT PRIMARY KEY REFERENCES orders (id),
	payment_id TEXT NOT NULL,
	buyer_id TEXT NOT NULL,
	merchant_id TEXT NOT NULL,
	currency TEXT NOT NULL,
	paid BIGINT NOT NULL CHECK (paid > 0),
	refunded BIGINT NOT NULL DEFAULT 0 CHECK (refunded >= 0),
	released BIGINT NOT NULL DEFAULT 0 CHECK (released >= 0), -- to the merchant, fee included
	fee BIGINT NOT NULL DEFAULT 0 CHECK (fee >= 0),
	status TEXT NOT NULL,               -- open | closed
	created_at BIGINT NOT NULL,
	closed_at BIGINT,
	CHECK (refunded + released <= paid)
);
CREATE INDEX escrow_holds_merchant ON escrow_holds (merchant_id, status);

-- The card vault. The number is sealed under the keyring's restricted
-- class bound to (card_vault, pan, token); only brand, last four and
-- expiry are kept in clear. The CVV is never stored anywhere.
CREATE TABLE card_vault (
	token TEXT PRIMARY KEY,             -- tok_...
	buyer_id TEXT NOT NULL REFERENCES accounts (id),
	pan_ct BYTEA NOT NULL,
	holder_ct BYTEA NOT NULL,           -- confidential, bound to (card_vault, holder, token)
	fingerprint BYTEA NOT NULL,         -- keyed blind index of the number: the same card, not its digits
	brand TEXT NOT NULL,
	last4 TEXT NOT NULL,
	exp_month INTEGER NOT NULL,
	exp_year INTEGER NOT NULL,
	created_at BIGINT NOT NULL
);
CREATE INDEX card_vault_buyer ON card_vault (buyer_id, fingerprint);

-- One payment pays the pending orders of one checkout. status:
-- authorising | challenge | capturing | captured | declined | voided |
-- failed | reversing | reversed. Provider calls carry idempotency keys
-- derived from id, so a retry never charges twice.
CREATE TABLE payments (
	id TEXT PRIMARY KEY,                -- pay_...
	buyer_id TEXT NOT NULL REFERENCES accounts (id),
	checkout_id TEXT NOT NULL,
	idem_key TEXT NOT NULL,
	request_hash BYTEA NOT NULL,        -- checkout, amount, currency: the same key with another request is refused
	status TEXT NOT NULL,
	amount BIGINT NOT NULL CHECK (amount > 0),
	currency TEXT NOT NULL,
	order_ids TEXT NOT NULL,            -- space-separated: the orders it pays
	provider TEXT NOT NULL,
	card_token TEXT NOT NULL REFERENCES card_vault (token),
	card_brand TEXT NOT NULL,
	card_last4 TEXT NOT NULL,
	auth_id TEXT NOT NULL DEFAULT '',
	capture_id TEXT NOT NULL DEFAULT '',
	challenge_id TEXT NOT NULL DEFAULT '',
	decline_code TEXT NOT NULL DEFAULT '',
	oi_hash BYTEA,                      -- SET-style evidence: hashes of order information and payment instruction
	pi_hash BYTEA,
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL,
	UNIQUE (buyer_id, idem_key)
);
-- A checkout has at most one live payment: a second confirmation with
-- another key is refused rather than charged.
CREATE UNIQUE INDEX payments_live_checkout ON payments (checkout_id)
	WHERE status IN ('authorising', 'challenge', 'capturing', 'captured');
CREATE INDEX payments_status ON payments (status, updated_at);

-- Money on its way back to a card: queued in the transaction that
-- decided it (status pending, the refunds account holds it), sent to the
-- provider with the refund's ID as idempotency key (status sent).
CREATE TABLE payment_refunds (
	id TEXT PRIMARY KEY,                -- rfd_...
	payment_id TEXT NOT NULL REFERENCES payments (id),
	order_id TEXT,                      -- NULL when a whole payment is reversed
	amount BIGINT NOT NULL CHECK (amount > 0),
	currency TEXT NOT NULL,
	status TEXT NOT NULL,               -- pending | sent
	reason TEXT NOT NULL,
	provider_ref TEXT NOT NULL DEFAULT '',
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL
);
CREATE INDEX payment_refunds_status ON payment_refunds (status, created_at);
CREATE INDEX payment_refunds_payment ON payment_refunds (payment_id);

-- The simulated acquirer's side, as a real acquirer would keep it: its
-- authorisations, captures and refunds, and its own idempotency keys. No
-- card number: brand and last four only.
CREATE TABLE sim_acquirer_auths (
	id TEXT PRIMARY KEY,                -- sau_...
	status TEXT NOT NULL,               -- approved | declined | challenge | voided
	decline_code TEXT NOT NULL DEFAULT '',
	challenge_id TEXT NOT NULL DEFAULT '',
	brand TEXT NOT NULL,
	last4 TEXT NOT NULL,
	amount BIGINT NOT NULL,
	currency TEXT NOT NULL,
	captured BIGINT NOT NULL DEFAULT 0,
	refunded BIGINT NOT NULL DEFAULT 0,
	created_at BIGINT NOT NULL,
	updated_at BIGINT NOT NULL
);

CREATE TABLE sim_acquirer_ops (
	id TEXT PRIMARY KEY,                -- sca_... (capture) | srf_... (refund)
	kind TEXT NOT NULL,                 -- capture | refund
	auth_id TEXT NOT NULL REFERENCES sim_acquirer_auths (id),
	amount BIGINT NOT NULL,
	currency TEXT NOT NULL,
	created_at BIGINT NOT NULL
);

CREATE TABLE sim_acquirer_idempotency (
	key TEXT PRIMARY KEY,
	op TEXT NOT NULL,                   -- authorize | capture | refund | void
	object_id TEXT NOT NULL,            -- what the first call created or changed
	created_at BIGINT NOT NULL
);
