package app

import (
	"context"
	"fmt"

	"github.com/citadel-store/citadel/internal/catalog"
	"github.com/citadel-store/citadel/internal/identity"
	"github.com/citadel-store/citadel/internal/money"
)

// demoMerchant is one merchant of the demo store with its products.
type demoMerchant struct {
	name, slug, owner string
	products          []demoProduct
}

type demoProduct struct {
	category, title, description string
	variants                     []demoVariant
}

type demoVariant struct {
	sku, title string
	options    map[string]string
	price      int64 // minor units, EUR
	stock      int
}

var demoCategories = []struct{ slug, name string }{
	{"kitchen", "Kitchen"}, {"outdoors", "Outdoors"}, {"clothing", "Clothing"},
	{"books", "Books"}, {"workshop", "Workshop"},
}

func sizes(sku string, price int64, stock int, colour string) []demoVariant {
	var vs []demoVariant
	for _, s := range []string{"S", "M", "L", "XL"} {
		vs = append(vs, demoVariant{sku: sku + "-" + s, title: s + " / " + colour,
			options: map[string]string{"size": s, "colour": colour}, price: price, stock: stock})
	}
	return vs
}

func one(sku string, price int64, stock int) []demoVariant {
	return []demoVariant{{sku: sku, title: "Standard", options: map[string]string{}, price: price, stock: stock}}
}

// The demo merchants' slugs appear in query strings (?merchant=...): a
// name like "northwind", a famous sample database, trips the Core Rule
// Set's SQL rules (942140), so the demo avoids such names.
var demoMerchants = []demoMerchant{
	{name: "Northfield Kitchenware", slug: "northfield", owner: "merchant@demo.citadel.test", products: []demoProduct{
		{"kitchen", "Cast iron skillet, 26 cm", "Pre-seasoned cast iron that holds heat evenly. Oven safe, works on induction, lasts a lifetime.", one("NW-SKL-26", 3990, 25)},
		{"kitchen", "Chef's knife, 20 cm", "High-carbon stainless steel blade with a full tang and a riveted walnut handle. Hand sharpened.", one("NW-KNF-20", 7450, 12)},
		{"kitchen", "Enamelled dutch oven", "A 5 litre enamelled cast iron pot for braising, baking bread and slow-cooked stews.",
			[]demoVariant{
				{"NW-DO-RED", "Red", map[string]string{"colour": "Red"}, 11900, 6},
				{"NW-DO-BLU", "Blue", map[string]string{"colour": "Blue"}, 11900, 4},
				{"NW-DO-GRN", "Green", map[string]string{"colour": "Green"}, 11900, 0},
			}},
		{"kitchen", "Pour-over coffee kettle", "Gooseneck kettle for a slow, precise pour. 1 litre, brushed steel, built-in thermometer.", one("NW-KTL-1", 4500, 30)},
		{"kitchen", "Olive wood cutting board", "One piece of olive wood, oiled and ready. Kind to knife edges; each grain pattern is unique.", one("NW-BRD-OW", 2990, 18)},
		{"kitchen", "Stoneware mixing bowls, set of 3", "Three nesting stoneware bowls with a matte glaze outside and a glossy one inside.", one("NW-BWL-3", 3400, 9)},
	}},
	{name: "Summit Outfitters", slug: "summit", owner: "", products: []demoProduct{
		{"outdoors", "Two-person backpacking tent", "A freestanding 1.6 kg tent with two doors and two vestibules. Pitches in three minutes.", one("SO-TNT-2P", 28900, 5)},
		{"outdoors", "Down sleeping bag, -5 °C", "800-fill responsibly sourced down in a 900 g bag that packs to the size of a loaf of bread.", one("SO-SLP-5", 24900, 7)},
		{"outdoors", "Trekking poles, carbon", "Three-section carbon poles with cork grips and flick locks. 210 g each.", one("SO-POL-C", 8900, 20)},
		{"outdoors", "Headlamp, 400 lumen", "Rechargeable headlamp with a red night mode and a lock so it never turns on in your pack.", one("SO-HLP-400", 3900, 40)},
		{"clothing", "Merino wool base layer", "Soft, odour-resistant merino for cold mornings on the trail. Long sleeves, thumb loops.", sizes("SO-MER", 6900, 5, "Charcoal")},
		{"clothing", "Waterproof rain jacket", "A three-layer shell with taped seams, pit zips and a hood that moves with your head.", sizes("SO-RJK", 17900, 3, "Blue")},
		{"outdoors", "Insulated water bottle, 750 ml", "Double-wall steel keeps drinks cold for a day and hot for twelve hours.", one("SO-BTL-750", 2900, 50)},
	}},
	{name: "Oak & Ink Books", slug: "oak-ink", owner: "", products: []demoProduct{
		{"books", "The Art of Bread", "From starter to crust: a baker's guide to sourdough, with 60 recipes and step-by-step photos.", one("OI-BK-BREAD", 3200, 14)},
		{"books", "Trails of the Alps", "Forty day hikes and ten hut-to-hut routes through the Alps, with maps and elevation profiles.", one("OI-BK-ALPS", 2800, 8)},
		{"books", "Joinery for Beginners", "Dovetails, mortises and tenons explained by hand and by machine. Woodworking made clear.", one("OI-BK-JOIN", 3600, 6)},
		{"books", "Cryptography in Plain Words", "How ciphers, signatures and certificates keep secrets and prove who said what. No maths degree required.", one("OI-BK-CRYPT", 2400, 11)},
		{"workshop", "Japanese pull saw", "A thin-kerf ryoba saw that cuts on the pull stroke: rip teeth on one edge, crosscut on the other.", one("OI-SAW-RY", 4200, 10)},
		{"workshop", "Bench chisel set, 4 pieces", "6, 12, 18 and 25 mm chisels in chrome-vanadium steel with ash handles, in a canvas roll.", one("OI-CHS-4", 5900, 7)},
	}},
}

// demoCatalog fills an empty store with the demo merchants, categories,
// products and stock; a store that has any merchant is left alone. The
// first merchant's owner is the demo merchant account (merchant roles
// require a second factor: it is set up at first sign-in).
func (s *Server) demoCatalog(ctx context.Context) error {
	if ms, err := s.svc.catalog.Merchants(ctx); err != nil || len(ms) > 0 {
		return err
	}
	cats := map[string]string{}
	for _, c := range demoCategories {
		cat, err := s.svc.catalog.CreateCategory(ctx, c.name, c.slug, "")
		if err != nil {
			return fmt.Errorf("category %s: %w", c.slug, err)
		}
		cats[c.slug] = cat.ID
	}
	for _, dm := range demoMerchants {
		m, err := s.svc.catalog.CreateMerchant(ctx, dm.name, dm.slug)
		if err != nil {
			return fmt.Errorf("merchant %s: %w", dm.slug, err)
		}
		wh, err := s.svc.inventory.CreateWarehouse(ctx, m.ID, dm.name+" warehouse", "DE")
		if err != nil {
			return err
		}
		for _, dp := range dm.products {
			np := catalog.NewProduct{CategoryID: cats[dp.category], Title: dp.title, Description: dp.description, Currency: "EUR"}
			for _, v := range dp.variants {
				np.Variants = append(np.Variants, catalog.NewVariant{SKU: v.sku, Title: v.title, Options: v.options, Price: money.New(v.price, "EUR")})
			}
			p, err := s.svc.catalog.CreateProduct(ctx, m.ID, np)
			if err != nil {
				return fmt.Errorf("product %q: %w", dp.title, err)
			}
			for i, v := range p.Variants {
				if _, err := s.svc.inventory.SetStock(ctx, m.ID, v.ID, wh.ID, dp.variants[i].stock); err != nil {
					return err
				}
			}
		}
		if dm.owner == "" {
			continue
		}
		acc, err := s.svc.identity.AccountIDByEmail(ctx, dm.owner)
		if err != nil {
			return err
		}
		if err := s.svc.identity.SetMerchant(ctx, acc, m.ID, identity.RequestMeta{RequestID: "demo"}); err != nil {
			return err
		}
	}
	return nil
}
