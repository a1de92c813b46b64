package money

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/citadel-store/citadel/internal/ids"
	"github.com/citadel-store/citadel/internal/store"
)

// Post writes a balanced entry inside tx and moves the balances of its
// accounts (created on first use), returning the entry's ID. It refuses an
// unbalanced or malformed entry (ErrUnbalanced, ErrBadEntry) and one that
// would overdraw an account (ErrOverdrawn) before anything is written or
// while the caller's transaction is still open: either way the caller
// returns the error and the transaction rolls back.
//
// Accounts are locked in ID order, so concurrent entries touching the
// same accounts queue rather than deadlock.
func Post(ctx context.Context, tx *store.Tx, e Entry) (string, error) {
	return post(ctx, tx, e, "")
}

// Reverse posts the mirror image of entry id (every line negated), as the
// one correction the ledger allows. An entry is reversed at most once
// (ErrAlreadyReversed); a reversal is itself never reversed. A missing
// entry is store.ErrNotFound.
func Reverse(ctx context.Context, tx *store.Tx, id, memo string) (string, error) {
	var kind, orderID, ref string
	var reverses sql.NullString
	err := tx.QueryRow(ctx, `SELECT kind, COALESCE(order_id, ''), ref, reverses FROM ledger_entries WHERE id = ?`, id).
		Scan(&kind, &orderID, &ref, &reverses)
	if err != nil {
		return "", store.NotFound(err)
	}
	if reverses.Valid {
		return "", fmt.Errorf("%w: %s is itself a reversal", ErrBadEntry, id)
	}
	var n int
	if err := tx.QueryRow(ctx, `SELECT count(*) FROM ledger_entries WHERE reverses = ?`, id).Scan(&n); err != nil {
		return "", err
	}
	if n > 0 {
		return "", fmt.Errorf("%w: %s", ErrAlreadyReversed, id)
	}
	rows, err := tx.Query(ctx, `SELECT a.kind, a.owner, a.currency, l.amount FROM ledger_lines l
		JOIN ledger_accounts a ON a.id = l.account_id WHERE l.entry_id = ? ORDER BY l.line_no`, id)
	if err != nil {
		return "", err
	}
	e := Entry{Kind: "reversal", OrderID: orderID, Ref: ref, Memo: memo}
	for rows.Next() {
		var k, owner, cur string
		var minor int64
		if err := rows.Scan(&k, &owner, &cur, &minor); err != nil {
			rows.Close()
			return "", err
		}
		neg, err := New(minor, Currency(cur)).Neg()
		if err != nil {
			rows.Close()
			return "", err
		}
		e.Lines = append(e.Lines, Line{Account{AccountKind(k), owner, Currency(cur)}, neg})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return "", err
	}
	newID, err := post(ctx, tx, e, id)
	if store.IsUniqueViolation(err) {
		return "", fmt.Errorf("%w: %s", ErrAlreadyReversed, id)
	}
	return newID, err
}

func post(ctx context.Context, tx *store.Tx, e Entry, reverses string) (string, error) {
	if err := e.validate(); err != nil {
		return "", err
	}
	if e.At.IsZero() {
		e.At = time.Now()
	}
	at := store.Micros(e.At)
	id := ids.New("jrn")
	var orderID, rev any
	if e.OrderID != "" {
		orderID = e.OrderID
	}
	if reverses != "" {
		rev = reverses
	}
	if _, err := tx.Exec(ctx, `INSERT INTO ledger_entries (id, kind, order_id, ref, memo, reverses, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, id, e.Kind, orderID, e.Ref, e.Memo, rev, at); err != nil {
		return "", err
	}
	// Net movement per account, applied in ID order; the accounts exist
	// (and are locked) before any line names them.
	net := map[string]Amount{}
	accts := map[string]Account{}
	for _, l := range e.Lines {
		aid := l.Account.ID()
		accts[aid] = l.Account
		s, err := net[aid].orZero(l.Amount.Currency).Add(l.Amount)
		if err != nil {
			return "", err
		}
		net[aid] = s
	}
	order := make([]string, 0, len(net))
	for aid := range net {
		order = append(order, aid)
	}
	slices.Sort(order)
	for _, aid := range order {
		if err := move(ctx, tx, accts[aid], net[aid], at); err != nil {
			return "", err
		}
	}
	for i, l := range e.Lines {
		if _, err := tx.Exec(ctx, `INSERT INTO ledger_lines (entry_id, line_no, account_id, amount, currency, created_at)
			VALUES (?, ?, ?, ?, ?, ?)`, id, i+1, l.Account.ID(), l.Amount.Minor, string(l.Amount.Currency), at); err != nil {
			return "", err
		}
	}
	return id, nil
}

// move adds delta to an account's balance, creating the account on first
// use, refusing overflow and overdrafts.
func move(ctx context.Context, tx *store.Tx, a Account, delta Amount, at int64) error {
	bal, err := lockBalance(ctx, tx, a)
	if errors.Is(err, store.ErrNotFound) {
		if err := ensureAccount(ctx, tx, a, at); err != nil {
			return err
		}
		bal, err = lockBalance(ctx, tx, a)
	}
	if err != nil {
		return err
	}
	nb, err := bal.Add(delta)
	if err != nil {
		return fmt.Errorf("ledger: account %s: %w", a, err)
	}
	if nb.Minor < 0 && !a.Kind.mayGoNegative() {
		return fmt.Errorf("%w: %s holds %s, the entry takes %s", ErrOverdrawn, a, bal, Amount{-delta.Minor, delta.Currency})
	}
	if delta.Minor == 0 {
		return nil
	}
	_, err = tx.Exec(ctx, `UPDATE ledger_accounts SET balance = ?, updated_at = ? WHERE id = ?`, nb.Minor, at, a.ID())
	return err
}

// lockBalance reads an account's balance and, on PostgreSQL, locks its
// row until the transaction ends (SQLite's single writer needs no lock).
func lockBalance(ctx context.Context, tx *store.Tx, a Account) (Amount, error) {
	q := `SELECT balance FROM ledger_accounts WHERE id = ?`
	if tx.Engine() == store.Postgres {
		q += ` FOR UPDATE`
	}
	var minor int64
	if err := tx.QueryRow(ctx, q, a.ID()).Scan(&minor); err != nil {
		return Amount{}, store.NotFound(err)
	}
	return New(minor, a.Currency), nil
}

// LockBalance is the balance of an account read inside tx with its row
// locked, for a caller deciding how much it may move (a payout). An
// account never used has a zero balance.
func LockBalance(ctx context.Context, tx *store.Tx, a Account) (Amount, error) {
	if err := a.validate(); err != nil {
		return Amount{}, err
	}
	b, err := lockBalance(ctx, tx, a)
	if errors.Is(err, store.ErrNotFound) {
		return New(0, a.Currency), nil
	}
	return b, err
}

func ensureAccount(ctx context.Context, tx *store.Tx, a Account, at int64) error {
	_, err := tx.Exec(ctx, `INSERT INTO ledger_accounts (id, kind, owner, currency, balance, created_at, updated_at)
		VALUES (?, ?, ?, ?, 0, ?, ?) ON CONFLICT (id) DO NOTHING`, a.ID(), string(a.Kind), a.Owner, string(a.Currency), at, at)
	return err
}
