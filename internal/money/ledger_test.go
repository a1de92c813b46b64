package money_test

import (
	"context"
	"errors"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	it "github.com/citadel-store/citadel/internal/inventory/inventorytest"
	"github.com/citadel-store/citadel/internal/money"
	"github.com/citadel-store/citadel/internal/store"
	"github.com/citadel-store/citadel/internal/storetest"
)

func TestMain(m *testing.M) { os.Exit(storetest.Main(m)) }

var ctx = context.Background()

func eur(m int64) money.Amount { return money.New(m, "EUR") }

func post(t testing.TB, db *store.DB, e money.Entry) (string, error) {
	t.Helper()
	var id string
	err := db.Tx(ctx, func(tx *store.Tx) (err error) {
		id, err = money.Post(ctx, tx, e)
		return err
	})
	return id, err
}

func balance(t testing.TB, db *store.DB, a money.Account) int64 {
	t.Helper()
	b, err := money.Balance(ctx, db, a)
	if err != nil {
		t.Fatal(err)
	}
	return b.Minor
}

// world is the smallest consistent state with money in it, written with
// plain SQL: a buyer paid an order of total through a captured payment,
// and escrow holds it.
type world struct {
	buyer, merchant, order, payment string
	total                           int64
}

func newWorld(t testing.TB, db *store.DB, total int64) world {
	t.Helper()
	w := world{buyer: it.Buyer(t, db), merchant: it.Merchant(t, db), total: total}
	w.order, w.payment = "ord_"+w.buyer[4:], "pay_"+w.buyer[4:]
	now := store.Micros(time.Now())
	it.Exec(t, db, `INSERT INTO orders (id, checkout_id, buyer_id, merchant_id, status, currency, subtotal, shipping_fee, tax,
			total, shipping_method, ship_country, address_ct, stock_state, created_at, updated_at)
		VALUES (?, 'chk_x', ?, ?, 'paid', 'EUR', ?, 0, 0, ?, 'standard', 'DE', ?, 'reserved', ?, ?)`,
		w.order, w.buyer, w.merchant, total, total, []byte("x"), now, now)
	it.Exec(t, db, `INSERT INTO card_vault (token, buyer_id, pan_ct, holder_ct, fingerprint, brand, last4, exp_month, exp_year, created_at)
		VALUES (?, ?, ?, ?, ?, 'visa', '4242', 12, 2030, ?)`, "tok_"+w.buyer[4:], w.buyer, []byte("x"), []byte("x"), []byte("x"), now)
	it.Exec(t, db, `INSERT INTO payments (id, buyer_id, checkout_id, idem_key, request_hash, status, amount, currency, order_ids,
			provider, card_token, card_brand, card_last4, created_at, updated_at)
		VALUES (?, ?, 'chk_x', ?, ?, 'captured', ?, 'EUR', ?, 'sim', ?, 'visa', '4242', ?, ?)`,
		w.payment, w.buyer, w.buyer, []byte("h"), total, w.order, "tok_"+w.buyer[4:], now, now)
	it.Exec(t, db, `INSERT INTO escrow_holds (order_id, payment_id, buyer_id, merchant_id, currency, paid, status, created_at)
		VALUES (?, ?, ?, ?, 'EUR', ?, 'open', ?)`, w.order, w.payment, w.buyer, w.merchant, total, now)
	if _, err := post(t, db, money.Move("capture", money.BuyerFundingAccount(w.buyer, "EUR"), money.EscrowAccount("EUR"), eur(total))); err != nil {
		t.Fatal(err)
	}
	return w
}

func mustCheck(t testing.TB, db *store.DB) {
	t.Helper()
	if err := money.Check(ctx, db); err != nil {
		t.Fatal(err)
	}
}

func TestPostMovesBalances(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db, 10_000)
		if got := balance(t, db, money.EscrowAccount("EUR")); got != 10_000 {
			t.Fatalf("escrow = %d", got)
		}
		if got := balance(t, db, money.BuyerFundingAccount(w.buyer, "EUR")); got != -10_000 {
			t.Fatalf("buyer funding = %d", got)
		}
		if got := balance(t, db, money.EscrowAccount("USD")); got != 0 {
			t.Fatalf("unused account = %d", got)
		}
		mustCheck(t, db)
	})
}

func TestPostRefuses(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db, 10_000)
		b, esc := money.BuyerFundingAccount(w.buyer, "EUR"), money.EscrowAccount("EUR")
		for name, c := range map[string]struct {
			e    money.Entry
			want error
		}{
			"fail/unbalanced": {money.Entry{Kind: "x", Lines: []money.Line{{b, eur(-5)}, {esc, eur(4)}}}, money.ErrUnbalanced},
			"fail/one-line":   {money.Entry{Kind: "x", Lines: []money.Line{{esc, eur(5)}}}, money.ErrBadEntry},
			"fail/zero-line":  {money.Entry{Kind: "x", Lines: []money.Line{{b, eur(0)}, {esc, eur(0)}}}, money.ErrBadEntry},
			"fail/mixed-currency-per-line": {money.Entry{Kind: "x", Lines: []money.Line{
				{b, money.New(-5, "USD")}, {esc, money.New(5, "USD")}}}, money.ErrBadEntry},
			"fail/balanced-across-currencies": {money.Entry{Kind: "x", Lines: []money.Line{
				{b, eur(-5)}, {money.EscrowAccount("USD"), money.New(5, "USD")}}}, money.ErrUnbalanced},
			"fail/no-kind":          {money.Move("", b, esc, eur(5)), money.ErrBadEntry},
			"fail/owner-on-escrow":  {money.Move("x", b, money.Account{Kind: money.Escrow, Owner: "m", Currency: "EUR"}, eur(5)), money.ErrBadEntry},
			"fail/no-owner":         {money.Move("x", money.Account{Kind: money.BuyerFunding, Currency: "EUR"}, esc, eur(5)), money.ErrBadEntry},
			"fail/unknown-kind":     {money.Move("x", b, money.Account{Kind: "bank", Currency: "EUR"}, eur(5)), money.ErrBadEntry},
			"fail/overdraw-escrow":  {money.Move("release", esc, money.MerchantPayableAccount(w.merchant, "EUR"), eur(10_001)), money.ErrOverdrawn},
			"fail/overdraw-payable": {money.Move("payout", money.MerchantPayableAccount(w.merchant, "EUR"), money.PayoutsAccount(w.merchant, "EUR"), eur(1)), money.ErrOverdrawn},
		} {
			if _, err := post(t, db, c.e); !errors.Is(err, c.want) {
				t.Errorf("%s: %v, want %v", name, err, c.want)
			}
		}
		if got := balance(t, db, esc); got != 10_000 {
			t.Fatalf("refused entries moved escrow to %d", got)
		}
		if n := it.Int(t, db, `SELECT count(*) FROM ledger_entries`); n != 1 {
			t.Fatalf("%d entries after refusals", n)
		}
		mustCheck(t, db)
	})
}

func TestReverse(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db, 10_000)
		pay, out := money.MerchantPayableAccount(w.merchant, "EUR"), money.PayoutsAccount(w.merchant, "EUR")
		// Release by hand (hold and ledger together), then pay out.
		it.Exec(t, db, `UPDATE escrow_holds SET released = paid, status = 'closed' WHERE order_id = ?`, w.order)
		it.Exec(t, db, `UPDATE orders SET status = 'completed' WHERE id = ?`, w.order)
		if _, err := post(t, db, money.Move("release", money.EscrowAccount("EUR"), pay, eur(10_000))); err != nil {
			t.Fatal(err)
		}
		id, err := post(t, db, money.Move("payout", pay, out, eur(4_000)))
		if err != nil {
			t.Fatal(err)
		}
		mustCheck(t, db)
		var rid string
		err = db.Tx(ctx, func(tx *store.Tx) (err error) {
			rid, err = money.Reverse(ctx, tx, id, "wrong bank account")
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if balance(t, db, pay) != 10_000 || balance(t, db, out) != 0 {
			t.Fatalf("after reversal: payable %d, payouts %d", balance(t, db, pay), balance(t, db, out))
		}
		mustCheck(t, db)
		for name, target := range map[string]string{"fail/twice": id, "fail/reverse-a-reversal": rid, "fail/unknown": "jrn_nope"} {
			err := db.Tx(ctx, func(tx *store.Tx) error { _, err := money.Reverse(ctx, tx, target, ""); return err })
			if err == nil {
				t.Errorf("%s: reversed", name)
			}
		}
		mustCheck(t, db)
		st, err := money.Statement(ctx, db, pay, time.Now().Add(-time.Hour), time.Now().Add(time.Hour), 100)
		if err != nil || len(st) != 3 || st[1].Kind != "payout" || st[1].Amount != eur(-4_000) || st[2].Kind != "reversal" {
			t.Fatalf("statement %+v, %v", st, err)
		}
	})
}

// Corrupting any row by hand makes Check fail and say where.
func TestCheckFindsCorruption(t *testing.T) {
	for _, c := range []struct {
		name, sql, want string
	}{
		{"fail/line-amount", `UPDATE ledger_lines SET amount = amount + 1 WHERE line_no = 1`, "does not balance"},
		{"fail/stored-balance", `UPDATE ledger_accounts SET balance = balance + 1 WHERE kind = 'escrow'`, "lines sum to"},
		{"fail/deleted-line", `DELETE FROM ledger_lines WHERE line_no = 2`, "not at least two"},
		{"fail/line-currency", `UPDATE ledger_lines SET currency = 'USD'`, "is in USD"},
		{"fail/hold-shrunk", `UPDATE escrow_holds SET paid = paid - 100`, "escrow account holds 100.00 EUR but the escrow holds add up to 99.00 EUR"},
		{"fail/hold-deleted", `DELETE FROM escrow_holds`, "escrow account holds"},
		{"fail/order-cancelled-while-held", `UPDATE orders SET status = 'cancelled'`, "inconsistent"},
		{"fail/payment-amount", `UPDATE payments SET amount = amount * 2`, "funding account is -100.00 EUR"},
		{"fail/pending-refund-unbooked", `INSERT INTO payment_refunds (id, payment_id, amount, currency, status, reason, created_at, updated_at)
			SELECT 'rfd_x', id, 5, 'EUR', 'pending', 'x', 0, 0 FROM payments`, "refunds not yet sent"},
		{"fail/account-renamed", `UPDATE ledger_accounts SET owner = 'someone' WHERE kind = 'escrow'`, "not named by"},
	} {
		t.Run(c.name, func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, db *store.DB) {
				newWorld(t, db, 10_000)
				mustCheck(t, db)
				it.Exec(t, db, c.sql)
				err := money.Check(ctx, db)
				if !errors.Is(err, money.ErrInvariant) || !strings.Contains(err.Error(), c.want) {
					t.Fatalf("Check = %v, want %q", err, c.want)
				}
			})
		})
	}
}

// Concurrent entries on the same accounts lose no update and never
// deadlock for good.
func TestConcurrentPosts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db, 100_000)
		it.Exec(t, db, `UPDATE escrow_holds SET released = paid, status = 'closed'`)
		it.Exec(t, db, `UPDATE orders SET status = 'completed'`)
		pay, out := money.MerchantPayableAccount(w.merchant, "EUR"), money.PayoutsAccount(w.merchant, "EUR")
		if _, err := post(t, db, money.Move("release", money.EscrowAccount("EUR"), pay, eur(100_000))); err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		errs := make(chan error, 200)
		for i := range 200 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				from, to := pay, out
				if i%2 == 1 {
					from, to = out, pay
				}
				_, err := post(t, db, money.Move("shuffle", from, to, eur(100)))
				if errors.Is(err, money.ErrOverdrawn) {
					err = nil // payouts can be empty when a back-move runs first
				}
				errs <- err
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		if balance(t, db, pay)+balance(t, db, out) != 100_000 {
			t.Fatal("money appeared or vanished")
		}
		mustCheck(t, db)
	})
}

// The ledger's rows are immutable: no code outside tests updates or
// deletes an entry or a line.
func TestNoLedgerRewrites(t *testing.T) {
	files, err := forbiddenSQL("../..", []string{"UPDATE ledger_entries", "DELETE FROM ledger_entries",
		"UPDATE ledger_lines", "DELETE FROM ledger_lines"})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		t.Errorf("%s rewrites ledger rows: post a reversal instead", f)
	}
}

// The scanner itself finds a rewrite, however it is spelled.
func TestForbiddenSQLFinds(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(dir+"/bad.go", []byte("package x\nconst q = `update  LEDGER_LINES set amount = 0`\n"), 0o600)
	os.WriteFile(dir+"/ok_test.go", []byte("package x\nconst q = `DELETE FROM ledger_lines`\n"), 0o600)
	files, err := forbiddenSQL(dir, []string{"UPDATE ledger_lines", "DELETE FROM ledger_lines"})
	if err != nil || len(files) != 1 || !strings.HasSuffix(files[0], "bad.go") {
		t.Fatalf("found %v, %v", files, err)
	}
}
