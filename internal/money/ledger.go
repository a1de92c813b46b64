package money

// The double-entry ledger. Every movement of money is an Entry whose Lines
// sum to zero in each currency, written with Post in the transaction of
// the state change that caused it. Entries and lines are never updated or
// deleted (a test scans the source for it); a correction is Reverse. Each
// account's balance is kept in ledger_accounts, changed in the same
// transaction as its lines, and Check proves it equals their sum.
//
// A positive line moves money into its account, a negative one out. The
// accounts, per currency:
//
//	buyer_funding/<buyer>       money the buyer's card brought in (negative: paid in, net of refunds)
//	escrow/                     held for paid orders not yet released (sum of open escrow holds)
//	merchant_payable/<merchant> released to the merchant, not yet paid out: its available balance
//	platform_fees/              the platform's fees, taken at release
//	refunds/                    owed back to cards, refund decided but not yet sent to the provider
//	payouts/<merchant>          paid out to the merchant's bank
//
// A merchant's pending balance is not an account: it is the part of the
// escrow account held for its orders (escrow_holds), so the escrow account
// stays one row per currency whose invariant Check can state exactly.

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// AccountKind is the purpose of an account.
type AccountKind string

const (
	BuyerFunding    AccountKind = "buyer_funding"
	Escrow          AccountKind = "escrow"
	MerchantPayable AccountKind = "merchant_payable"
	PlatformFees    AccountKind = "platform_fees"
	Refunds         AccountKind = "refunds"
	Payouts         AccountKind = "payouts"
)

var kindOwned = map[AccountKind]bool{
	BuyerFunding: true, Escrow: false, MerchantPayable: true, PlatformFees: false, Refunds: false, Payouts: true,
}

// mayGoNegative lists the kinds whose balance can be below zero: only a
// buyer's funding account, which is negative by what the buyer paid in.
// Post refuses to overdraw any other (ErrOverdrawn).
func (k AccountKind) mayGoNegative() bool { return k == BuyerFunding }

// Account names one ledger account.
type Account struct {
	Kind     AccountKind
	Owner    string // buyer or merchant ID; "" for the platform's accounts
	Currency Currency
}

// Platform accounts.
func EscrowAccount(c Currency) Account       { return Account{Escrow, "", c} }
func PlatformFeesAccount(c Currency) Account { return Account{PlatformFees, "", c} }
func RefundsAccount(c Currency) Account      { return Account{Refunds, "", c} }

// Per-party accounts.
func BuyerFundingAccount(buyer string, c Currency) Account { return Account{BuyerFunding, buyer, c} }
func MerchantPayableAccount(merchant string, c Currency) Account {
	return Account{MerchantPayable, merchant, c}
}
func PayoutsAccount(merchant string, c Currency) Account { return Account{Payouts, merchant, c} }

// ID is the account's key in ledger_accounts: "kind/owner/currency".
func (a Account) ID() string { return string(a.Kind) + "/" + a.Owner + "/" + string(a.Currency) }

func (a Account) String() string { return a.ID() }

func (a Account) validate() error {
	owned, known := kindOwned[a.Kind]
	switch {
	case !known:
		return fmt.Errorf("%w: unknown account kind %q", ErrBadEntry, a.Kind)
	case !a.Currency.Valid():
		return fmt.Errorf("%w: account %s: %v", ErrBadEntry, a, ErrUnknownCurrency)
	case owned && a.Owner == "":
		return fmt.Errorf("%w: %s account without an owner", ErrBadEntry, a.Kind)
	case !owned && a.Owner != "":
		return fmt.Errorf("%w: %s is a platform account and has no owner", ErrBadEntry, a.Kind)
	case strings.ContainsAny(a.Owner, "/ \t\n"):
		return fmt.Errorf("%w: account owner %.40q", ErrBadEntry, a.Owner)
	}
	return nil
}

// Line moves Amount into Account (out of it when negative).
type Line struct {
	Account Account
	Amount  Amount
}

// Entry is one journal entry.
type Entry struct {
	Kind    string // capture, release, refund, refund_paid, payout, reversal...
	OrderID string // the order it concerns, or ""
	Ref     string // the payment, refund or transfer it records, or ""
	Memo    string
	Lines   []Line
	At      time.Time // when it happened; zero is now
}

// Ledger errors. All mean the entry was refused and nothing was written;
// the caller's transaction must be rolled back (return the error from the
// db.Tx function).
var (
	// ErrUnbalanced: the lines do not sum to zero in some currency.
	ErrUnbalanced = errors.New("ledger: entry does not balance")
	// ErrBadEntry: fewer than two lines, a zero line, an unknown
	// account, or a line whose currency is not its account's.
	ErrBadEntry = errors.New("ledger: malformed entry")
	// ErrOverdrawn: the entry would take an account other than a buyer's
	// funding account below zero (release more than escrow holds, pay
	// out more than is available).
	ErrOverdrawn = errors.New("ledger: entry would overdraw an account")
	// ErrAlreadyReversed: Reverse on an entry that has been reversed.
	ErrAlreadyReversed = errors.New("ledger: entry already reversed")
)

func (e Entry) validate() error {
	if e.Kind == "" || len(e.Kind) > 40 || len(e.Memo) > 500 || len(e.Ref) > 200 || len(e.OrderID) > 200 {
		return fmt.Errorf("%w: kind, memo, ref or order missing or too long", ErrBadEntry)
	}
	if len(e.Lines) < 2 {
		return fmt.Errorf("%w: an entry needs at least two lines", ErrBadEntry)
	}
	sums := map[Currency]Amount{}
	for i, l := range e.Lines {
		if err := l.Account.validate(); err != nil {
			return err
		}
		if l.Amount.Minor == 0 {
			return fmt.Errorf("%w: line %d is zero", ErrBadEntry, i+1)
		}
		if l.Amount.Currency != l.Account.Currency {
			return fmt.Errorf("%w: line %d is in %s, account %s", ErrBadEntry, i+1, l.Amount.Currency, l.Account)
		}
		s, err := sums[l.Amount.Currency].orZero(l.Amount.Currency).Add(l.Amount)
		if err != nil {
			return fmt.Errorf("%w: %v", ErrUnbalanced, err)
		}
		sums[l.Amount.Currency] = s
	}
	for c, s := range sums {
		if s.Minor != 0 {
			return fmt.Errorf("%w: %s lines sum to %s", ErrUnbalanced, c, s)
		}
	}
	return nil
}

func (a Amount) orZero(c Currency) Amount {
	if a.Currency == "" {
		return Amount{0, c}
	}
	return a
}

// Move is the usual two-line entry: amount out of from and into to.
func Move(kind string, from, to Account, amount Amount) Entry {
	return Entry{Kind: kind, Lines: []Line{{from, Amount{-amount.Minor, amount.Currency}}, {to, amount}}}
}
