package api

import (
	"net/http"
	"strconv"

	"github.com/citadel-store/citadel/internal/catalog"
	"github.com/citadel-store/citadel/internal/ids"
	"github.com/citadel-store/citadel/internal/inventory"
	"github.com/citadel-store/citadel/internal/money"
)

// Merchant request bodies. Text fields are checked by the catalog and
// inventory (an *InvalidError naming the field, answered 422); here only
// what JSON cannot say: presence, ID shapes and prices as decimal strings.

type variantRequest struct {
	SKU     string            `json:"sku"`
	Title   string            `json:"title"`
	Options map[string]string `json:"options"`
	Price   *string           `json:"price"`
}

func (req variantRequest) validate(field string, c money.Currency) (catalog.NewVariant, *apiError) {
	if req.Price == nil {
		return catalog.NewVariant{}, missing(field + "price")
	}
	p, e := amount(field+"price", *req.Price, c)
	if e != nil {
		return catalog.NewVariant{}, e
	}
	return catalog.NewVariant{SKU: req.SKU, Title: req.Title, Options: req.Options, Price: p}, nil
}

type productRequest struct {
	CategoryID  string           `json:"category_id"`
	Title       string           `json:"title"`
	Description string           `json:"description"`
	Currency    *string          `json:"currency"`
	Variants    []variantRequest `json:"variants"`
}

func (req productRequest) validate() (catalog.NewProduct, *apiError) {
	if req.Currency == nil {
		return catalog.NewProduct{}, missing("currency")
	}
	c, err := money.ParseCurrency(*req.Currency)
	if err != nil {
		return catalog.NewProduct{}, fieldError(http.StatusUnprocessableEntity, "invalid_field", "currency", "a known ISO 4217 code like \"EUR\"")
	}
	if req.CategoryID != "" && !ids.Valid("cat", req.CategoryID) {
		return catalog.NewProduct{}, fieldError(http.StatusBadRequest, "invalid_id", "category_id", "not a valid cat_ ID")
	}
	if len(req.Variants) == 0 {
		return catalog.NewProduct{}, missing("variants")
	}
	if len(req.Variants) > catalog.MaxVariants {
		return catalog.NewProduct{}, fieldError(http.StatusUnprocessableEntity, "invalid_field", "variants", "at most "+strconv.Itoa(catalog.MaxVariants))
	}
	np := catalog.NewProduct{CategoryID: req.CategoryID, Title: req.Title, Description: req.Description, Currency: c}
	for i, vr := range req.Variants {
		v, e := vr.validate("variants["+strconv.Itoa(i)+"].", c)
		if e != nil {
			return catalog.NewProduct{}, e
		}
		np.Variants = append(np.Variants, v)
	}
	return np, nil
}

// productPatch changes some of a product's descriptive fields; absent
// ones keep their value. category_id "" takes the product out of its
// category.
type productPatch struct {
	CategoryID  *string `json:"category_id"`
	Title       *string `json:"title"`
	Description *string `json:"description"`
}

func (req productPatch) apply(p catalog.Product) (catalog.ProductUpdate, *apiError) {
	if req.CategoryID == nil && req.Title == nil && req.Description == nil {
		return catalog.ProductUpdate{}, badRequest("missing_field", "send at least one of title, description, category_id")
	}
	u := catalog.ProductUpdate{CategoryID: p.CategoryID, Title: p.Title, Description: p.Description}
	if req.CategoryID != nil {
		if *req.CategoryID != "" && !ids.Valid("cat", *req.CategoryID) {
			return u, fieldError(http.StatusBadRequest, "invalid_id", "category_id", "not a valid cat_ ID")
		}
		u.CategoryID = *req.CategoryID
	}
	if req.Title != nil {
		u.Title = *req.Title
	}
	if req.Description != nil {
		u.Description = *req.Description
	}
	return u, nil
}

// variantPatch changes some of a variant's title, options and price.
type variantPatch struct {
	Title   *string            `json:"title"`
	Options *map[string]string `json:"options"`
	Price   *string            `json:"price"`
}

func (req variantPatch) apply(v catalog.Variant, c money.Currency) (catalog.VariantUpdate, *apiError) {
	if req.Title == nil && req.Options == nil && req.Price == nil {
		return catalog.VariantUpdate{}, badRequest("missing_field", "send at least one of title, options, price")
	}
	u := catalog.VariantUpdate{Title: v.Title, Options: v.Options, Price: v.Price}
	if req.Title != nil {
		u.Title = *req.Title
	}
	if req.Options != nil {
		u.Options = *req.Options
	}
	if req.Price != nil {
		p, e := amount("price", *req.Price, c)
		if e != nil {
			return u, e
		}
		u.Price = p
	}
	return u, nil
}

type warehouseRequest struct {
	Name    string `json:"name"`
	Country string `json:"country"`
}

type stockRequest struct {
	VariantID   *string `json:"variant_id"`
	WarehouseID *string `json:"warehouse_id"`
	OnHand      *int    `json:"on_hand"`
}

type stockSet struct {
	variantID, warehouseID string
	onHand                 int
}

func (req stockRequest) validate() (stockSet, *apiError) {
	v, e := bodyID("variant_id", "var", req.VariantID)
	if e != nil {
		return stockSet{}, e
	}
	wh, e := bodyID("warehouse_id", "whs", req.WarehouseID)
	if e != nil {
		return stockSet{}, e
	}
	if req.OnHand == nil {
		return stockSet{}, missing("on_hand")
	}
	if *req.OnHand < 0 || *req.OnHand > inventory.MaxOnHand {
		return stockSet{}, fieldError(http.StatusBadRequest, "invalid_quantity", "on_hand", "a whole number from 0 to "+strconv.Itoa(inventory.MaxOnHand))
	}
	return stockSet{v, wh, *req.OnHand}, nil
}

// shipRequest is the body of a shipment; the order domain checks the
// carrier's and tracking number's form.
type shipRequest struct {
	Carrier  *string `json:"carrier"`
	Tracking *string `json:"tracking"`
}
