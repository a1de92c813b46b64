package money

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/citadel-store/citadel/internal/store"
)

// Balance is an account's balance; an account never used holds zero.
func Balance(ctx context.Context, q store.Querier, a Account) (Amount, error) {
	var minor int64
	err := q.QueryRow(ctx, `SELECT balance FROM ledger_accounts WHERE id = ?`, a.ID()).Scan(&minor)
	if errors.Is(err, sql.ErrNoRows) {
		return New(0, a.Currency), nil
	}
	if err != nil {
		return Amount{}, err
	}
	return New(minor, a.Currency), nil
}

// AccountBalance is an account with its balance.
type AccountBalance struct {
	Account Account
	Balance Amount
}

// OwnerBalances lists every account of one owner (a buyer or merchant
// ID, or "" for the platform's), by kind and currency.
func OwnerBalances(ctx context.Context, q store.Querier, owner string) ([]AccountBalance, error) {
	rows, err := q.Query(ctx, `SELECT kind, currency, balance FROM ledger_accounts WHERE owner = ? ORDER BY kind, currency`, owner)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []AccountBalance
	for rows.Next() {
		var k, c string
		var b int64
		if err := rows.Scan(&k, &c, &b); err != nil {
			return nil, err
		}
		out = append(out, AccountBalance{Account{AccountKind(k), owner, Currency(c)}, New(b, Currency(c))})
	}
	return out, rows.Err()
}

// StatementLine is one line of an account's statement.
type StatementLine struct {
	At      time.Time
	EntryID string
	Kind    string // the entry's kind
	OrderID string
	Ref     string
	Memo    string
	Amount  Amount // into the account when positive
}

// Statement lists the lines of an account posted in [from, to), oldest
// first, at most limit (1 to 10,000).
func Statement(ctx context.Context, q store.Querier, a Account, from, to time.Time, limit int) ([]StatementLine, error) {
	limit = min(max(limit, 1), 10_000)
	rows, err := q.Query(ctx, `SELECT l.created_at, e.id, e.kind, COALESCE(e.order_id, ''), e.ref, e.memo, l.amount
		FROM ledger_lines l JOIN ledger_entries e ON e.id = l.entry_id
		WHERE l.account_id = ? AND l.created_at >= ? AND l.created_at < ?
		ORDER BY l.created_at, l.entry_id, l.line_no LIMIT ?`, a.ID(), store.Micros(from), store.Micros(to), limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []StatementLine
	for rows.Next() {
		var s StatementLine
		var at, minor int64
		if err := rows.Scan(&at, &s.EntryID, &s.Kind, &s.OrderID, &s.Ref, &s.Memo, &minor); err != nil {
			return nil, err
		}
		s.At, s.Amount = store.FromMicros(at), New(minor, a.Currency)
		out = append(out, s)
	}
	return out, rows.Err()
}

// BalanceAt is an account's balance from the lines posted before t.
func BalanceAt(ctx context.Context, q store.Querier, a Account, t time.Time) (Amount, error) {
	var minor int64
	err := q.QueryRow(ctx, `SELECT COALESCE(SUM(amount), 0) FROM ledger_lines WHERE account_id = ? AND created_at < ?`,
		a.ID(), store.Micros(t)).Scan(&minor)
	return New(minor, a.Currency), err
}
