package api

import (
	"encoding/json"
	"errors"
	"net/http"

	"github.com/citadel-store/citadel/internal/cart"
	"github.com/citadel-store/citadel/internal/catalog"
	"github.com/citadel-store/citadel/internal/inventory"
	"github.com/citadel-store/citadel/internal/money"
	"github.com/citadel-store/citadel/internal/order"
	"github.com/citadel-store/citadel/internal/shipping"
	"github.com/citadel-store/citadel/internal/store"
)

// fieldError is a client error about one field of the request.
func fieldError(status int, code, field, msg string) *apiError {
	return &apiError{status: status, code: code, message: field + ": " + msg, field: field}
}

func notFound(what string) *apiError {
	return &apiError{status: http.StatusNotFound, code: "not_found", message: "no such " + what}
}

func conflictErr(code, msg string) *apiError {
	return &apiError{status: http.StatusConflict, code: code, message: msg}
}

// domainError turns what a domain service refused into the client's
// answer, following the statuses the domain errors document. Messages
// come from the domain's safe texts (sentinel messages, validation Msg),
// never from a wrapped cause. It returns nil for anything else: a fault,
// answered 500 with only the request ID.
func domainError(err error, what string) *apiError {
	var (
		catInvalid  *catalog.InvalidError
		cartInvalid *cart.ValidationError
		ordInvalid  *order.ValidationError
		invInvalid  *inventory.ValidationError
		oos         *inventory.OutOfStockError
	)
	switch {
	case errors.As(err, &catInvalid):
		if errors.Is(err, catalog.ErrConflict) {
			return fieldError(http.StatusConflict, "conflict", catInvalid.Field, catInvalid.Msg)
		}
		return fieldError(http.StatusUnprocessableEntity, "invalid_field", catInvalid.Field, catInvalid.Msg)
	case errors.As(err, &cartInvalid):
		return fieldError(http.StatusUnprocessableEntity, "invalid_field", cartInvalid.Field, cartInvalid.Msg)
	case errors.As(err, &ordInvalid):
		return fieldError(http.StatusUnprocessableEntity, "invalid_field", ordInvalid.Field, ordInvalid.Msg)
	case errors.As(err, &invInvalid):
		return fieldError(http.StatusUnprocessableEntity, "invalid_field", invInvalid.Field, invInvalid.Msg)
	case errors.As(err, &oos):
		return &apiError{status: http.StatusConflict, code: "out_of_stock", field: "variant_id",
			message: "not enough stock of variant " + oos.VariantID}
	case errors.Is(err, inventory.ErrOutOfStock):
		return conflictErr("out_of_stock", "not enough stock")
	case errors.Is(err, store.ErrNotFound):
		return notFound(what)
	case errors.Is(err, cart.ErrUnavailable), errors.Is(err, order.ErrUnavailable):
		return itemConflict(err, "unavailable", "this item is no longer for sale")
	case errors.Is(err, order.ErrPriceChanged):
		return itemConflict(err, "price_changed", order.ErrPriceChanged.Error()+"; accept the new prices to go on")
	case errors.Is(err, cart.ErrCartFull):
		return conflictErr("cart_full", cart.ErrCartFull.Error())
	case errors.Is(err, order.ErrEmptyCart):
		return conflictErr("empty_cart", order.ErrEmptyCart.Error())
	case errors.Is(err, order.ErrMixedCurrency):
		return conflictErr("mixed_currency", order.ErrMixedCurrency.Error())
	case errors.Is(err, order.ErrIllegalTransition):
		return conflictErr("illegal_transition", order.ErrIllegalTransition.Error())
	case errors.Is(err, order.ErrExpired):
		return conflictErr("expired", order.ErrExpired.Error())
	case errors.Is(err, inventory.ErrBelowReserved):
		return fieldError(http.StatusConflict, "below_reserved", "on_hand", "stock on hand cannot go below what is reserved for orders")
	case errors.Is(err, shipping.ErrUnsupportedCurrency):
		return fieldError(http.StatusUnprocessableEntity, "invalid_field", "currency", "we cannot deliver orders in this currency")
	case errors.Is(err, shipping.ErrUnsupportedCountry):
		return fieldError(http.StatusUnprocessableEntity, "invalid_field", "address.country", "we do not deliver to this country")
	case errors.Is(err, shipping.ErrUnknownMethod):
		return fieldError(http.StatusUnprocessableEntity, "invalid_field", "shipping_method", "choose standard or express")
	case errors.Is(err, money.ErrOverflow), errors.Is(err, money.ErrBadAmount), errors.Is(err, money.ErrCurrencyMismatch):
		return badRequest("invalid_amount", "the amount cannot be computed")
	}
	return nil
}

// itemConflict answers a refusal about one cart line, naming it when the
// domain did.
func itemConflict(err error, code, msg string) *apiError {
	e := conflictErr(code, msg)
	var ie *order.ItemError
	if errors.As(err, &ie) {
		e.field, e.message = "variant_id", msg+" (variant "+ie.VariantID+")"
	}
	return e
}

// fail answers err: a client error as domainError maps it, else a 500.
func (a *API) fail(w http.ResponseWriter, r *http.Request, err error, what string) {
	if e := domainError(err, what); e != nil {
		writeAPIError(w, e)
		return
	}
	a.internal(w, r, err)
}

// errorWithField is httpx's error body with the field the error is about.
type errorWithField struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
		Field   string `json:"field"`
	} `json:"error"`
}

func writeFieldError(w http.ResponseWriter, e *apiError) {
	var body errorWithField
	body.Error.Code, body.Error.Message, body.Error.Field = e.code, e.message, e.field
	b, _ := json.Marshal(body) // three strings cannot fail
	h := w.Header()
	h.Del("Content-Length")
	h.Set("Content-Type", "application/json")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(e.status)
	w.Write(append(b, '\n'))
}
