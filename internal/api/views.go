package api

import (
	"time"

	"github.com/citadel-store/citadel/internal/catalog"
	"github.com/citadel-store/citadel/internal/money"
)

// The JSON shapes the API answers with. They are built field by field
// from the domain types, so a field added to a domain struct never
// reaches a client until someone writes it here (and in openapi.json).

// moneyJSON is an amount as the API shows it: the decimal string to
// display and compute with, and the integer minor units. Never a float.
type moneyJSON struct {
	Amount   string `json:"amount"`
	Currency string `json:"currency"`
	Minor    int64  `json:"minor"`
}

func moneyOut(a money.Amount) moneyJSON {
	return moneyJSON{Amount: a.Decimal(), Currency: string(a.Currency), Minor: a.Minor}
}

// timeOut formats times as RFC 3339 in UTC; the zero time is "".
func timeOut(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

type categoryJSON struct {
	ID       string `json:"id"`
	Slug     string `json:"slug"`
	Name     string `json:"name"`
	ParentID string `json:"parent_id,omitempty"`
	Depth    int    `json:"depth"`
}

type merchantRef struct {
	ID   string `json:"id"`
	Slug string `json:"slug,omitempty"`
	Name string `json:"name"`
}

type fragmentJSON struct {
	Text  string `json:"text"`
	Match bool   `json:"match"`
}

func fragmentsOut(fs []catalog.Fragment) []fragmentJSON {
	out := make([]fragmentJSON, len(fs))
	for i, f := range fs {
		out[i] = fragmentJSON{f.Text, f.Match}
	}
	return out
}

type hitJSON struct {
	ID           string         `json:"id"`
	Title        string         `json:"title"`
	TitleMarked  []fragmentJSON `json:"title_marked"`
	Snippet      []fragmentJSON `json:"snippet"`
	Merchant     merchantRef    `json:"merchant"`
	CategorySlug string         `json:"category_slug,omitempty"`
	MinPrice     moneyJSON      `json:"min_price"`
	InStock      bool           `json:"in_stock"`
	ImageID      string         `json:"image_id,omitempty"`
	CreatedAt    string         `json:"created_at"`
}

type suggestionJSON struct {
	Kind         string `json:"kind"`
	Text         string `json:"text,omitempty"`
	CategorySlug string `json:"category_slug,omitempty"`
	CategoryName string `json:"category_name,omitempty"`
}

type resultsJSON struct {
	Hits        []hitJSON        `json:"hits"`
	Total       int              `json:"total"`
	TotalCapped bool             `json:"total_capped"`
	Page        int              `json:"page"`
	PerPage     int              `json:"per_page"`
	HasNext     bool             `json:"has_next"`
	Sort        string           `json:"sort"`
	Words       []string         `json:"words"`
	Suggestions []suggestionJSON `json:"suggestions"`
}

func resultsOut(r catalog.Results) resultsJSON {
	out := resultsJSON{
		Hits: make([]hitJSON, len(r.Hits)), Total: r.Total, TotalCapped: r.TotalCapped, Page: r.Page,
		PerPage: r.PerPage, HasNext: r.HasNext, Sort: string(r.Sort), Words: r.Words,
		Suggestions: make([]suggestionJSON, len(r.Suggestions)),
	}
	if out.Words == nil {
		out.Words = []string{}
	}
	for i, h := range r.Hits {
		out.Hits[i] = hitJSON{
			ID: h.ID, Title: h.Title, TitleMarked: fragmentsOut(h.TitleMarked), Snippet: fragmentsOut(h.Snippet),
			Merchant:     merchantRef{ID: h.MerchantID, Slug: h.MerchantSlug, Name: h.MerchantName},
			CategorySlug: h.CategorySlug, MinPrice: moneyOut(h.MinPrice), InStock: h.InStock, ImageID: h.ImageID,
			CreatedAt: timeOut(h.CreatedAt),
		}
	}
	for i, s := range r.Suggestions {
		out.Suggestions[i] = suggestionJSON{Kind: s.Kind, Text: s.Text, CategorySlug: s.CategorySlug, CategoryName: s.CategoryName}
	}
	return out
}

// variantJSON is a variant. Available (a stock count) is shown only to
// the product's merchant: shoppers see in_stock.
type variantJSON struct {
	ID        string            `json:"id"`
	SKU       string            `json:"sku"`
	Title     string            `json:"title"`
	Options   map[string]string `json:"options"`
	Price     moneyJSON         `json:"price"`
	Status    string            `json:"status"`
	InStock   bool              `json:"in_stock"`
	Available *int              `json:"available,omitempty"`
	Position  int               `json:"position"`
}

type categoryRef struct {
	ID   string `json:"id"`
	Slug string `json:"slug"`
	Name string `json:"name"`
}

type productJSON struct {
	ID          string        `json:"id"`
	Merchant    merchantRef   `json:"merchant"`
	Category    *categoryRef  `json:"category"`
	Title       string        `json:"title"`
	Description string        `json:"description"`
	Status      string        `json:"status"`
	Currency    string        `json:"currency"`
	MinPrice    moneyJSON     `json:"min_price"`
	InStock     bool          `json:"in_stock"`
	Variants    []variantJSON `json:"variants"`
	ImageIDs    []string      `json:"image_ids"`
	CreatedAt   string        `json:"created_at"`
	UpdatedAt   string        `json:"updated_at"`
}

// productOut shapes a product; forMerchant adds the stock counts.
func productOut(p catalog.Product, forMerchant bool) productJSON {
	out := productJSON{
		ID: p.ID, Merchant: merchantRef{ID: p.MerchantID, Slug: p.MerchantSlug, Name: p.MerchantName},
		Title: p.Title, Description: p.Description, Status: p.Status, Currency: string(p.Currency),
		MinPrice: moneyOut(p.MinPrice), InStock: p.InStock, Variants: make([]variantJSON, len(p.Variants)),
		ImageIDs: p.ImageIDs, CreatedAt: timeOut(p.CreatedAt), UpdatedAt: timeOut(p.UpdatedAt),
	}
	if out.ImageIDs == nil {
		out.ImageIDs = []string{}
	}
	if p.CategoryID != "" {
		out.Category = &categoryRef{ID: p.CategoryID, Slug: p.CategorySlug, Name: p.CategoryName}
	}
	for i, v := range p.Variants {
		out.Variants[i] = variantOut(v, forMerchant)
	}
	return out
}

func variantOut(v catalog.Variant, forMerchant bool) variantJSON {
	out := variantJSON{ID: v.ID, SKU: v.SKU, Title: v.Title, Options: v.Options, Price: moneyOut(v.Price),
		Status: v.Status, InStock: v.Available > 0, Position: v.Position}
	if out.Options == nil {
		out.Options = map[string]string{}
	}
	if forMerchant {
		n := v.Available
		out.Available = &n
	}
	return out
}
