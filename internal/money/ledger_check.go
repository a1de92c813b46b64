package money

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/citadel-store/citadel/internal/store"
)

// ErrInvariant is what Check returns, wrapped with the first discrepancy
// it found: the ledger or the records it must agree with were changed
// outside Post (or by a bug). The operator investigates; nothing repairs
// itself.
var ErrInvariant = errors.New("ledger check failed")

// openOrderStatuses are the order statuses whose money escrow still holds
// in full: paid and not yet released or refunded.
const openOrderStatuses = `'paid', 'accepted', 'shipped', 'delivered', 'disputed'`

// checks run in order; each returns a description of the first
// discrepancy it finds, or "".
var checks = []func(context.Context, *store.Tx) (string, error){
	checkAccountIDs,
	checkEntryLines,
	checkEntriesBalance,
	checkLineCurrency,
	checkAccountBalances,
	checkNoOverdraft,
	checkReversals,
	checkEscrowTotal,
	checkHolds,
	checkOrdersHeld,
	checkMerchantsAndFees,
	checkRefundsOwed,
	checkBuyerFunding,
}

// Check verifies every invariant of the ledger and of the records it
// mirrors, on one consistent snapshot:
//
//   - every entry has at least two lines, and its lines sum to zero in each currency;
//   - every line is in its account's currency;
//   - every account's stored balance equals the sum of its lines, and
//     only buyer funding accounts are below zero;
//   - a reversal is the exact mirror of the entry it reverses;
//   - escrow: the escrow account's balance in each currency equals the sum
//     over escrow holds of paid - refunded - released; an open hold belongs
//     to an order that is paid but not released (paid, accepted, shipped,
//     delivered, disputed), has had nothing taken from it, and holds exactly
//     the order's total; a closed hold holds nothing and its order is no
//     longer open; every order past payment has a hold;
//   - each merchant's payable plus paid-out balance equals what its holds
//     released net of fees, and the platform's fees equal the fees taken;
//   - the refunds account equals the refunds decided but not yet sent;
//   - each buyer's funding account equals minus what the buyer's captured
//     payments brought in plus the refunds sent back.
//
// It returns nil, or ErrInvariant wrapped with the first discrepancy.
func Check(ctx context.Context, db *store.DB) error {
	var problem string
	err := db.Tx(ctx, func(tx *store.Tx) error {
		problem = ""
		if tx.Engine() == store.Postgres {
			if _, err := tx.Exec(ctx, `SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY`); err != nil {
				return err
			}
		}
		for _, c := range checks {
			p, err := c(ctx, tx)
			if err != nil {
				return fmt.Errorf("ledger check: %w", err)
			}
			if p != "" {
				problem = p
				return nil
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	if problem != "" {
		return fmt.Errorf("%w: %s", ErrInvariant, problem)
	}
	return nil
}

// first runs a query and, when it returns a row, formats it with f.
func first(ctx context.Context, tx *store.Tx, query string, dest []any, f func() string, args ...any) (string, error) {
	rows, err := tx.Query(ctx, query, args...)
	if err != nil {
		return "", err
	}
	defer rows.Close()
	if !rows.Next() {
		return "", rows.Err()
	}
	if err := rows.Scan(dest...); err != nil {
		return "", err
	}
	return f(), nil
}

func amt(minor int64, c string) string { return New(minor, Currency(c)).String() }

func checkAccountIDs(ctx context.Context, tx *store.Tx) (string, error) {
	var id, kind string
	return first(ctx, tx, `SELECT id, kind FROM ledger_accounts
		WHERE id <> kind || '/' || owner || '/' || currency
		   OR kind NOT IN ('buyer_funding', 'escrow', 'merchant_payable', 'platform_fees', 'refunds', 'payouts')
		ORDER BY id LIMIT 1`, []any{&id, &kind},
		func() string {
			return fmt.Sprintf("account %s (kind %s) is not named by its kind, owner and currency", id, kind)
		})
}

func checkEntryLines(ctx context.Context, tx *store.Tx) (string, error) {
	var id string
	var n int
	return first(ctx, tx, `SELECT e.id, count(l.entry_id) FROM ledger_entries e LEFT JOIN ledger_lines l ON l.entry_id = e.id
		GROUP BY e.id HAVING count(l.entry_id) < 2 ORDER BY e.id LIMIT 1`, []any{&id, &n},
		func() string { return fmt.Sprintf("entry %s has %d line(s), not at least two", id, n) })
}

func checkEntriesBalance(ctx context.Context, tx *store.Tx) (string, error) {
	var id, cur string
	var sum int64
	return first(ctx, tx, `SELECT entry_id, currency, SUM(amount) FROM ledger_lines
		GROUP BY entry_id, currency HAVING SUM(amount) <> 0 ORDER BY entry_id, currency LIMIT 1`, []any{&id, &cur, &sum},
		func() string {
			return fmt.Sprintf("entry %s does not balance: its %s lines sum to %s", id, cur, amt(sum, cur))
		})
}

func checkLineCurrency(ctx context.Context, tx *store.Tx) (string, error) {
	var id, cur, acct string
	var no int
	return first(ctx, tx, `SELECT l.entry_id, l.line_no, l.currency, a.id FROM ledger_lines l
		JOIN ledger_accounts a ON a.id = l.account_id WHERE l.currency <> a.currency ORDER BY l.entry_id LIMIT 1`,
		[]any{&id, &no, &cur, &acct},
		func() string {
			return fmt.Sprintf("entry %s line %d is in %s but account %s is not", id, no, cur, acct)
		})
}

func checkAccountBalances(ctx context.Context, tx *store.Tx) (string, error) {
	var id, cur string
	var bal, sum int64
	return first(ctx, tx, `SELECT a.id, a.currency, a.balance, COALESCE(SUM(l.amount), 0) FROM ledger_accounts a
		LEFT JOIN ledger_lines l ON l.account_id = a.id
		GROUP BY a.id, a.currency, a.balance HAVING a.balance <> COALESCE(SUM(l.amount), 0) ORDER BY a.id LIMIT 1`,
		[]any{&id, &cur, &bal, &sum},
		func() string {
			return fmt.Sprintf("account %s has balance %s but its lines sum to %s", id, amt(bal, cur), amt(sum, cur))
		})
}

func checkNoOverdraft(ctx context.Context, tx *store.Tx) (string, error) {
	var id, cur string
	var bal int64
	return first(ctx, tx, `SELECT id, currency, balance FROM ledger_accounts WHERE kind <> 'buyer_funding' AND balance < 0
		ORDER BY id LIMIT 1`, []any{&id, &cur, &bal},
		func() string { return fmt.Sprintf("account %s is overdrawn: %s", id, amt(bal, cur)) })
}

func checkReversals(ctx context.Context, tx *store.Tx) (string, error) {
	var id, orig, acct, cur string
	var sum int64
	return first(ctx, tx, `SELECT r.id, r.reverses, l.account_id, l.currency, SUM(l.amount) FROM ledger_entries r
		JOIN ledger_lines l ON l.entry_id = r.id OR l.entry_id = r.reverses
		WHERE r.reverses IS NOT NULL
		GROUP BY r.id, r.reverses, l.account_id, l.currency HAVING SUM(l.amount) <> 0 ORDER BY r.id LIMIT 1`,
		[]any{&id, &orig, &acct, &cur, &sum},
		func() string {
			return fmt.Sprintf("reversal %s does not mirror entry %s: account %s is left with %s", id, orig, acct, amt(sum, cur))
		})
}

// sums reads (currency, key, amount) rows into a map keyed by key+"/"+currency.
func sums(ctx context.Context, tx *store.Tx, query string) (map[string]int64, error) {
	rows, err := tx.Query(ctx, query)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		var key, cur string
		var v int64
		if err := rows.Scan(&key, &cur, &v); err != nil {
			return nil, err
		}
		out[key+"/"+cur] += v
	}
	return out, rows.Err()
}

// compare reports the first key (in order) where got and want differ,
// treating a missing key as zero.
func compare(got, want map[string]int64, describe func(key string, got, want int64) string) string {
	keys := slices.Sorted(maps.Keys(got))
	keys = append(keys, slices.Sorted(maps.Keys(want))...)
	for _, k := range keys {
		if got[k] != want[k] {
			return describe(k, got[k], want[k])
		}
	}
	return ""
}

// currencyOf is the currency part of a sums key.
func currencyOf(key string) string { return key[len(key)-3:] }

func checkEscrowTotal(ctx context.Context, tx *store.Tx) (string, error) {
	acct, err := sums(ctx, tx, `SELECT owner, currency, balance FROM ledger_accounts WHERE kind = 'escrow'`)
	if err != nil {
		return "", err
	}
	holds, err := sums(ctx, tx, `SELECT '', currency, SUM(paid - refunded - released) FROM escrow_holds GROUP BY currency`)
	if err != nil {
		return "", err
	}
	return compare(acct, holds, func(k string, got, want int64) string {
		c := currencyOf(k)
		return fmt.Sprintf("the escrow account holds %s but the escrow holds add up to %s", amt(got, c), amt(want, c))
	}), nil
}

func checkHolds(ctx context.Context, tx *store.Tx) (string, error) {
	var id, hs, os, cur string
	var paid, refunded, released, total int64
	return first(ctx, tx, `SELECT h.order_id, h.status, o.status, h.currency, h.paid, h.refunded, h.released, o.total
		FROM escrow_holds h JOIN orders o ON o.id = h.order_id
		WHERE (h.status = 'open' AND (o.status NOT IN (`+openOrderStatuses+`) OR h.refunded <> 0 OR h.released <> 0
				OR h.paid <> o.total OR h.currency <> o.currency))
		   OR (h.status = 'closed' AND (h.paid - h.refunded - h.released <> 0 OR o.status IN (`+openOrderStatuses+`)))
		   OR h.status NOT IN ('open', 'closed')
		ORDER BY h.order_id LIMIT 1`, []any{&id, &hs, &os, &cur, &paid, &refunded, &released, &total},
		func() string {
			return fmt.Sprintf("escrow hold of order %s (%s, order %s, total %s) is inconsistent: paid %s, refunded %s, released %s",
				id, hs, os, amt(total, cur), amt(paid, cur), amt(refunded, cur), amt(released, cur))
		})
}

func checkOrdersHeld(ctx context.Context, tx *store.Tx) (string, error) {
	var id, status string
	return first(ctx, tx, `SELECT o.id, o.status FROM orders o LEFT JOIN escrow_holds h ON h.order_id = o.id
		WHERE o.status NOT IN ('pending_payment', 'cancelled') AND h.order_id IS NULL ORDER BY o.id LIMIT 1`,
		[]any{&id, &status},
		func() string { return fmt.Sprintf("order %s is %s but escrow never held its payment", id, status) })
}

func checkMerchantsAndFees(ctx context.Context, tx *store.Tx) (string, error) {
	accts, err := sums(ctx, tx, `SELECT owner, currency, balance FROM ledger_accounts WHERE kind IN ('merchant_payable', 'payouts')`)
	if err != nil {
		return "", err
	}
	net, err := sums(ctx, tx, `SELECT merchant_id, currency, SUM(released - fee) FROM escrow_holds GROUP BY merchant_id, currency`)
	if err != nil {
		return "", err
	}
	if p := compare(accts, net, func(k string, got, want int64) string {
		c := currencyOf(k)
		return fmt.Sprintf("merchant %s: payable plus paid out is %s but its escrow releases net of fees are %s",
			k[:len(k)-4], amt(got, c), amt(want, c))
	}); p != "" {
		return p, nil
	}
	fees, err := sums(ctx, tx, `SELECT owner, currency, balance FROM ledger_accounts WHERE kind = 'platform_fees'`)
	if err != nil {
		return "", err
	}
	taken, err := sums(ctx, tx, `SELECT '', currency, SUM(fee) FROM escrow_holds GROUP BY currency`)
	if err != nil {
		return "", err
	}
	return compare(fees, taken, func(k string, got, want int64) string {
		c := currencyOf(k)
		return fmt.Sprintf("platform fees hold %s but escrow releases took %s in fees", amt(got, c), amt(want, c))
	}), nil
}

func checkRefundsOwed(ctx context.Context, tx *store.Tx) (string, error) {
	acct, err := sums(ctx, tx, `SELECT owner, currency, balance FROM ledger_accounts WHERE kind = 'refunds'`)
	if err != nil {
		return "", err
	}
	owed, err := sums(ctx, tx, `SELECT '', currency, SUM(amount) FROM payment_refunds WHERE status = 'pending' GROUP BY currency`)
	if err != nil {
		return "", err
	}
	return compare(acct, owed, func(k string, got, want int64) string {
		c := currencyOf(k)
		return fmt.Sprintf("the refunds account holds %s but refunds not yet sent add up to %s", amt(got, c), amt(want, c))
	}), nil
}

func checkBuyerFunding(ctx context.Context, tx *store.Tx) (string, error) {
	accts, err := sums(ctx, tx, `SELECT owner, currency, balance FROM ledger_accounts WHERE kind = 'buyer_funding'`)
	if err != nil {
		return "", err
	}
	paidIn, err := sums(ctx, tx, `SELECT buyer_id, currency, -SUM(amount) FROM payments
		WHERE status IN ('captured', 'reversing', 'reversed') GROUP BY buyer_id, currency`)
	if err != nil {
		return "", err
	}
	back, err := sums(ctx, tx, `SELECT p.buyer_id, r.currency, SUM(r.amount) FROM payment_refunds r
		JOIN payments p ON p.id = r.payment_id WHERE r.status = 'sent' GROUP BY p.buyer_id, r.currency`)
	if err != nil {
		return "", err
	}
	for k, v := range back {
		paidIn[k] += v
	}
	return compare(accts, paidIn, func(k string, got, want int64) string {
		c := currencyOf(k)
		return fmt.Sprintf("buyer %s: funding account is %s but captured payments less refunds sent give %s",
			k[:len(k)-4], amt(got, c), amt(want, c))
	}), nil
}
