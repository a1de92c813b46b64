package web

import (
	"net/http"
	"time"

	"github.com/citadel-store/citadel/internal/escrow"
	"github.com/citadel-store/citadel/internal/money"
)

// maxReportDays bounds a payout report's period.
const maxReportDays = 366

// balancesData is a merchant's money: pending (in escrow) and available
// per currency, and the payout report of one currency over a period.
type balancesData struct {
	Balances   []escrow.Balance
	Currencies []option
	Report     *escrow.Report
	From, To   string // the report's first and last day, YYYY-MM-DD
}

// reportPeriod reads the report's first and last day (inclusive, UTC);
// the default is the last 30 days. ok is false for a date that is not
// one, an end before the start, or more than maxReportDays.
func reportPeriod(from, to string, now time.Time) (start, end time.Time, ok bool) {
	end = now.UTC().Truncate(24 * time.Hour)
	start = end.AddDate(0, 0, -29)
	var err error
	if to != "" {
		if end, err = time.Parse(time.DateOnly, to); err != nil {
			return start, end, false
		}
	}
	if from != "" {
		if start, err = time.Parse(time.DateOnly, from); err != nil {
			return start, end, false
		}
	} else if to != "" {
		start = end.AddDate(0, 0, -29)
	}
	if end.Before(start) || end.Sub(start) > maxReportDays*24*time.Hour {
		return start, end, false
	}
	return start, end, true
}

func (p *Pages) balancesPage(w http.ResponseWriter, r *http.Request, mc boCtx) {
	if p.pay.escrow == nil {
		p.notFound(w, r)
		return
	}
	ctx := r.Context()
	bals, err := p.pay.escrow.Balances(ctx, mc.merchantID)
	if err != nil {
		p.serverError(w, r, err)
		return
	}
	q := r.URL.Query()
	cur := money.Currency(q.Get("currency"))
	if cur == "" && len(bals) > 0 {
		cur = bals[0].Currency
	}
	if cur == "" {
		cur = defaultCurrency
	}
	d := &balancesData{Balances: bals}
	known := false
	for _, c := range boCurrencies {
		d.Currencies = append(d.Currencies, option{string(c), string(c), c == cur})
		known = known || c == cur
	}
	pg := p.newPage(w, r, "Balances and payouts")
	pg.Data = d
	start, end, ok := reportPeriod(q.Get("from"), q.Get("to"), time.Now())
	d.From, d.To = start.Format(time.DateOnly), end.Format(time.DateOnly)
	if !known || !ok {
		d.From, d.To = q.Get("from"), q.Get("to")
		if len(d.From) > 10 || len(d.To) > 10 {
			d.From, d.To = "", ""
		}
		pg.Error = "Choose a currency offered and a period of dates written like 2026-03-31, at most a year long."
		p.render(w, http.StatusBadRequest, "pay_balances.html", pg)
		return
	}
	rep, err := p.pay.escrow.PayoutReport(ctx, mc.merchantID, cur, start, end.AddDate(0, 0, 1))
	if err != nil {
		p.serverError(w, r, err)
		return
	}
	d.Report = &rep
	p.render(w, http.StatusOK, "pay_balances.html", pg)
}
