package api

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/citadel-store/citadel/internal/cart"
	"github.com/citadel-store/citadel/internal/ids"
	"github.com/citadel-store/citadel/internal/money"
)

// Parsers of what clients send besides JSON bodies' shape: IDs, amounts,
// quantities and query parameters. Each refuses rather than repairs.

// pathID reads the ID in the path segment name. A malformed ID cannot
// name anything, so it is answered 404 like an unknown one, before any
// query runs.
func pathID(w http.ResponseWriter, r *http.Request, name, prefix, what string) (string, bool) {
	id := r.PathValue(name)
	if !ids.Valid(prefix, id) {
		writeAPIError(w, notFound(what))
		return "", false
	}
	return id, true
}

// bodyID checks an ID the client sent in a body: required and well formed.
func bodyID(field, prefix string, s *string) (string, *apiError) {
	if s == nil {
		return "", missing(field)
	}
	if !ids.Valid(prefix, *s) {
		return "", fieldError(http.StatusBadRequest, "invalid_id", field, "not a valid "+prefix+"_ ID")
	}
	return *s, nil
}

func missing(field string) *apiError {
	return fieldError(http.StatusBadRequest, "missing_field", field, "required")
}

// quantity checks a cart quantity: a whole number from 1 to 10,000. JSON
// floats and strings never get here: decoding into an int refuses them.
func quantity(field string, q *int) (int, *apiError) {
	if q == nil {
		return 0, missing(field)
	}
	if *q < 1 || *q > cart.MaxQuantity {
		return 0, fieldError(http.StatusBadRequest, "invalid_quantity", field, "a whole number from 1 to 10000")
	}
	return *q, nil
}

// amount reads a decimal string in currency c ("12.34"). A sign, an
// exponent, a separator or a fraction of the currency's minor unit is
// refused, never rounded.
func amount(field, s string, c money.Currency) (money.Amount, *apiError) {
	a, err := money.ParseDecimal(s, c)
	if err != nil {
		msg := "write the amount as a decimal string like \"12.34\""
		if c.Valid() {
			msg += " with at most " + strconv.Itoa(c.Exponent()) + " decimal places"
		}
		return money.Amount{}, fieldError(http.StatusBadRequest, "invalid_amount", field, msg)
	}
	return a, nil
}

// query reads query parameters, keeping the first error.
type query struct {
	v   url.Values
	err *apiError
}

func newQuery(r *http.Request) *query { return &query{v: r.URL.Query()} }

func (q *query) fail(name, msg string) {
	if q.err == nil {
		q.err = fieldError(http.StatusBadRequest, "invalid_parameter", name, msg)
	}
}

// str returns the parameter, refusing one longer than maxLen bytes.
func (q *query) str(name string, maxLen int) string {
	s := q.v.Get(name)
	if len(s) > maxLen {
		q.fail(name, "at most "+strconv.Itoa(maxLen)+" bytes")
		return ""
	}
	return s
}

// integer returns the parameter as a whole number in [lo, hi], or def
// when it is absent.
func (q *query) integer(name string, def, lo, hi int) int {
	s := q.v.Get(name)
	if s == "" {
		return def
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < lo || n > hi || len(s) > 12 {
		q.fail(name, "a whole number from "+strconv.Itoa(lo)+" to "+strconv.Itoa(hi))
		return def
	}
	return n
}

func (q *query) boolean(name string) bool {
	switch q.v.Get(name) {
	case "", "false", "0":
		return false
	case "true", "1":
		return true
	}
	q.fail(name, "true or false")
	return false
}

// id returns the parameter when it is a well-formed ID, "" when absent.
func (q *query) id(name, prefix string) string {
	s := q.v.Get(name)
	if s != "" && !ids.Valid(prefix, s) {
		q.fail(name, "not a valid "+prefix+"_ ID")
		return ""
	}
	return s
}

// oneOf returns the parameter when it is one of allowed, def when absent.
func (q *query) oneOf(name, def string, allowed ...string) string {
	s := q.v.Get(name)
	if s == "" {
		return def
	}
	for _, a := range allowed {
		if s == a {
			return s
		}
	}
	q.fail(name, "not a known value")
	return def
}
