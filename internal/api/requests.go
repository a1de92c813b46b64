package api

import (
	"net/http"
	"strings"

	"github.com/citadel-store/citadel/internal/order"
	"github.com/citadel-store/citadel/internal/shipping"
	"github.com/citadel-store/citadel/internal/tax"
)

// Buyer request bodies. Each is decoded strictly (see decode) into a
// struct of pointers, so a missing field is told from a zero one, and
// then validated into a value the handler can use as is: a handler never
// sees a request that failed validation.

type cartItemRequest struct {
	VariantID *string `json:"variant_id"`
	Quantity  *int    `json:"quantity"`
}

type cartItem struct {
	variantID string
	quantity  int
}

func (req cartItemRequest) validate() (cartItem, *apiError) {
	id, e := bodyID("variant_id", "var", req.VariantID)
	if e != nil {
		return cartItem{}, e
	}
	q, e := quantity("quantity", req.Quantity)
	if e != nil {
		return cartItem{}, e
	}
	return cartItem{id, q}, nil
}

// parseCartItem is decode-then-validate for POST /cart/items.
func parseCartItem(body []byte) (cartItem, *apiError) {
	var req cartItemRequest
	if e := decodeBytes(body, &req); e != nil {
		return cartItem{}, e
	}
	return req.validate()
}

type quantityRequest struct {
	Quantity *int `json:"quantity"`
}

type addressRequest struct {
	Name     string `json:"name"`
	Line1    string `json:"line1"`
	Line2    string `json:"line2"`
	Line3    string `json:"line3"`
	City     string `json:"city"`
	Postcode string `json:"postcode"`
	Country  string `json:"country"`
	Phone    string `json:"phone"`
}

type checkoutRequest struct {
	Address        *addressRequest `json:"address"`
	ShippingMethod *string         `json:"shipping_method"`
}

// checkout is a validated checkout request: the address passes
// order.Address.Validate, the country is one we deliver to and the
// method is known.
type checkout struct {
	address order.Address
	country string
	method  shipping.Method
}

func (req checkoutRequest) validate() (checkout, *apiError) {
	if req.Address == nil {
		return checkout{}, missing("address")
	}
	if req.ShippingMethod == nil {
		return checkout{}, missing("shipping_method")
	}
	in := req.Address
	addr := order.Address{Name: in.Name, City: in.City, Postcode: in.Postcode, Phone: in.Phone, Lines: []string{in.Line1}}
	for _, l := range []string{in.Line2, in.Line3} {
		if l != "" {
			addr.Lines = append(addr.Lines, l)
		}
	}
	if err := addr.Validate(); err != nil {
		if e := domainError(err, "address"); e != nil {
			return checkout{}, e
		}
		return checkout{}, fieldError(http.StatusUnprocessableEntity, "invalid_field", "address", "not a valid address")
	}
	country := strings.ToUpper(in.Country)
	if len(country) != 2 || !tax.Supported(country) {
		return checkout{}, fieldError(http.StatusUnprocessableEntity, "invalid_field", "address.country",
			"a country we deliver to, as an ISO 3166-1 code like \"DE\"")
	}
	method, err := shipping.ParseMethod(*req.ShippingMethod)
	if err != nil {
		return checkout{}, fieldError(http.StatusUnprocessableEntity, "invalid_field", "shipping_method", "standard or express")
	}
	return checkout{address: addr, country: country, method: method}, nil
}

// parseCheckout is decode-then-validate for POST /checkout.
func parseCheckout(body []byte) (checkout, *apiError) {
	var req checkoutRequest
	if e := decodeBytes(body, &req); e != nil {
		return checkout{}, e
	}
	return req.validate()
}

// reasonRequest is the body of a cancellation; the domain checks the
// reason's length and characters.
type reasonRequest struct {
	Reason *string `json:"reason"`
}

func (req reasonRequest) validate() (string, *apiError) {
	if req.Reason == nil {
		return "", missing("reason")
	}
	return *req.Reason, nil
}
