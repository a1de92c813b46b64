package escrow

import (
	"context"
	"fmt"
	"time"

	"github.com/citadel-store/citadel/internal/ids"
	"github.com/citadel-store/citadel/internal/money"
	"github.com/citadel-store/citadel/internal/store"
)

// Balance is a merchant's money in one currency.
type Balance struct {
	Currency  money.Currency
	Pending   money.Amount // held in escrow for its open orders, before fees
	Available money.Amount // released to it, not yet paid out
	PaidOut   money.Amount // paid out to its bank, in all
}

// Balances lists a merchant's balances by currency.
func (s *Service) Balances(ctx context.Context, merchantID string) ([]Balance, error) {
	by := map[money.Currency]*Balance{}
	var order []money.Currency
	get := func(c money.Currency) *Balance {
		if b, ok := by[c]; ok {
			return b
		}
		b := &Balance{Currency: c, Pending: money.New(0, c), Available: money.New(0, c), PaidOut: money.New(0, c)}
		by[c] = b
		order = append(order, c)
		return b
	}
	rows, err := s.db.Query(ctx, `SELECT currency, SUM(paid - refunded - released) FROM escrow_holds
		WHERE merchant_id = ? AND status = 'open' GROUP BY currency ORDER BY currency`, merchantID)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var c string
		var v int64
		if err := rows.Scan(&c, &v); err != nil {
			rows.Close()
			return nil, err
		}
		get(money.Currency(c)).Pending.Minor = v
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	accts, err := money.OwnerBalances(ctx, s.db, merchantID)
	if err != nil {
		return nil, err
	}
	for _, a := range accts {
		switch a.Account.Kind {
		case money.MerchantPayable:
			get(a.Account.Currency).Available = a.Balance
		case money.Payouts:
			get(a.Account.Currency).PaidOut = a.Balance
		}
	}
	out := make([]Balance, len(order))
	for i, c := range order {
		out[i] = *by[c]
	}
	return out, nil
}

// Report is a merchant's payout report for one currency over [From, To):
// what was released to it and paid out, by day.
type Report struct {
	Currency money.Currency
	From, To time.Time
	Opening  money.Amount // available at From
	Closing  money.Amount // available at To
	Days     []Day
}

// Day is one UTC day of a report.
type Day struct {
	Date     string       // YYYY-MM-DD
	Credited money.Amount // released to the merchant, after fees
	Debited  money.Amount // paid out (as a positive amount), or corrections
	Lines    []money.StatementLine
}

// PayoutReport lists the entries of a merchant's available balance in a
// currency between from and to (at most 10,000 lines), by day.
func (s *Service) PayoutReport(ctx context.Context, merchantID string, c money.Currency, from, to time.Time) (Report, error) {
	acct := money.MerchantPayableAccount(merchantID, c)
	r := Report{Currency: c, From: from.UTC(), To: to.UTC()}
	var err error
	if r.Opening, err = money.BalanceAt(ctx, s.db, acct, from); err != nil {
		return Report{}, err
	}
	lines, err := money.Statement(ctx, s.db, acct, from, to, 10_000)
	if err != nil {
		return Report{}, err
	}
	r.Closing = r.Opening
	for _, l := range lines {
		date := l.At.Format(time.DateOnly)
		if len(r.Days) == 0 || r.Days[len(r.Days)-1].Date != date {
			r.Days = append(r.Days, Day{Date: date, Credited: money.New(0, c), Debited: money.New(0, c)})
		}
		d := &r.Days[len(r.Days)-1]
		d.Lines = append(d.Lines, l)
		if l.Amount.Minor > 0 {
			d.Credited.Minor += l.Amount.Minor
		} else {
			d.Debited.Minor -= l.Amount.Minor
		}
		r.Closing.Minor += l.Amount.Minor
	}
	return r, nil
}

// Payout is a transfer of available money to a merchant's bank.
type Payout struct {
	EntryID   string
	Reference string // the (simulated) bank transfer's reference
	Amount    money.Amount
}

// RecordPayout pays amount of a merchant's available balance out to its
// bank: a ledger entry from merchant_payable to payouts with a simulated
// transfer reference. More than is available is ErrInsufficientFunds.
func (s *Service) RecordPayout(ctx context.Context, actor, merchantID string, amount money.Amount) (Payout, error) {
	if amount.Minor <= 0 || !amount.Currency.Valid() || merchantID == "" {
		return Payout{}, fmt.Errorf("%w: payout of %s", ErrInsufficientFunds, amount)
	}
	p := Payout{Reference: ids.New("trf"), Amount: amount}
	err := s.db.Tx(ctx, func(tx *store.Tx) error {
		from := money.MerchantPayableAccount(merchantID, amount.Currency)
		bal, err := money.LockBalance(ctx, tx, from)
		if err != nil {
			return err
		}
		if bal.Minor < amount.Minor {
			return fmt.Errorf("%w: %s available", ErrInsufficientFunds, bal)
		}
		e := money.Move("payout", from, money.PayoutsAccount(merchantID, amount.Currency), amount)
		e.Ref, e.Memo, e.At = p.Reference, "bank transfer "+p.Reference, s.now()
		if p.EntryID, err = money.Post(ctx, tx, e); err != nil {
			return err
		}
		return s.record(ctx, tx, actor, "escrow.payout", merchantID, map[string]string{
			"amount": amount.String(), "reference": p.Reference,
		})
	})
	if err != nil {
		return Payout{}, err
	}
	return p, nil
}
