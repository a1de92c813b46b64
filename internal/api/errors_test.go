package api

import (
	"errors"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/citadel-store/citadel/internal/cart"
	"github.com/citadel-store/citadel/internal/catalog"
	"github.com/citadel-store/citadel/internal/inventory"
	"github.com/citadel-store/citadel/internal/order"
	"github.com/citadel-store/citadel/internal/shipping"
)

// Every error a domain service documents becomes the status its doc
// asks for, with a stable code, and the client never sees the wrapped
// cause (here the pretend table name "secret_table").
func TestDomainErrors(t *testing.T) {
	wrap := func(err error) error { return fmt.Errorf("UPDATE secret_table: %w", err) }
	for _, tc := range []struct {
		name   string
		err    error
		status int
		code   string
	}{
		{"catalog-not-found", catalog.ErrNotFound, 404, "not_found"},
		{"order-not-found", wrap(order.ErrNotFound), 404, "not_found"},
		{"catalog-invalid", &catalog.InvalidError{Field: "title", Msg: "enter a title"}, 422, "invalid_field"},
		{"cart-invalid", &cart.ValidationError{Field: "quantity", Msg: "x"}, 422, "invalid_field"},
		{"order-invalid", wrap(&order.ValidationError{Field: "note", Msg: "give a reason"}), 422, "invalid_field"},
		{"inventory-invalid", &inventory.ValidationError{Field: "country", Msg: "x"}, 422, "invalid_field"},
		{"out-of-stock", wrap(&inventory.OutOfStockError{VariantID: "var_x", Requested: 5, Available: 1}), 409, "out_of_stock"},
		{"cart-unavailable", cart.ErrUnavailable, 409, "unavailable"},
		{"order-unavailable", &order.ItemError{VariantID: "var_x", Err: order.ErrUnavailable}, 409, "unavailable"},
		{"price-changed", &order.ItemError{VariantID: "var_x", Err: order.ErrPriceChanged}, 409, "price_changed"},
		{"cart-full", cart.ErrCartFull, 409, "cart_full"},
		{"empty-cart", order.ErrEmptyCart, 409, "empty_cart"},
		{"mixed-currency", order.ErrMixedCurrency, 409, "mixed_currency"},
		{"illegal-transition", fmt.Errorf("%w: paid to shipped by buyer", order.ErrIllegalTransition), 409, "illegal_transition"},
		{"expired", order.ErrExpired, 409, "expired"},
		{"below-reserved", wrap(inventory.ErrBelowReserved), 409, "below_reserved"},
		{"no-fees", wrap(shipping.ErrUnsupportedCurrency), 422, "invalid_field"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := domainError(tc.err, "thing")
			if e == nil || e.status != tc.status || e.code != tc.code {
				t.Fatalf("%v -> %+v", tc.err, e)
			}
			if strings.Contains(e.message, "secret_table") || strings.Contains(e.message, " by buyer") {
				t.Fatalf("message leaks the cause: %q", e.message)
			}
		})
	}
	if e := domainError(errors.New("database is locked"), "thing"); e != nil {
		t.Fatalf("a fault became a client error: %+v", e)
	}
}

// A field error names the field next to code and message.
func TestWriteFieldError(t *testing.T) {
	w := httptest.NewRecorder()
	writeAPIError(w, fieldError(422, "invalid_field", "address.postcode", "enter a postcode"))
	want := `{"error":{"code":"invalid_field","message":"address.postcode: enter a postcode","field":"address.postcode"}}` + "\n"
	if w.Code != 422 || w.Body.String() != want || w.Header().Get("Content-Type") != "application/json" {
		t.Fatalf("%d %q", w.Code, w.Body.String())
	}
}
