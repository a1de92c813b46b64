package app_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/citadel-store/citadel/internal/apptest/browser"
	"github.com/citadel-store/citadel/internal/store"
)

// A shopper in a real browser, over verified HTTPS, with the real
// Content-Security-Policy: search from the header, open a result, choose a
// size, add to the cart as a guest, sign in, find the cart kept, check out
// with an address, and land on the order confirmation; no console error
// and no CSP violation on the way.
func TestShopCheckoutInBrowser(t *testing.T) {
	t.Parallel()
	s, pw := shopServer(t, store.SQLite)
	b := browser.New(t, browser.WithTrustedCert(browser.ServerCert(t, s.URL, s.TLSConfig())))

	b.Run(chromedp.Navigate(s.URL + "/"))
	b.Run(chromedp.SendKeys(chromedp.CSS(`header input[name=q]`), "merino wool"))
	b.RunAndLoad(chromedp.Click(chromedp.CSS(`header form.search button[type=submit]`)))
	if h := b.Text("h1"); h != "Results for “merino wool”" {
		t.Fatalf("search page h1 = %q", h)
	}
	if m := b.Text(".card .title mark"); !strings.EqualFold(m, "merino") {
		t.Fatalf("first highlighted word = %q", m)
	}
	b.Screenshot("search")

	b.RunAndLoad(chromedp.Click(chromedp.CSS(`.card a[href^="/p/"]`)))
	if h := b.Text("h1"); h != "Merino wool base layer" {
		t.Fatalf("product page h1 = %q", h)
	}
	if got := b.Text("fieldset.variants"); !strings.Contains(got, "M / Charcoal") || !strings.Contains(got, "Only 5 left") {
		t.Fatalf("variants: %q", got)
	}
	b.Screenshot("product")
	b.Run(
		chromedp.Click(chromedp.Search(`//label[contains(., "M / Charcoal")]/input`)),
		chromedp.SetValue(chromedp.CSS(`form[action="/cart/add"] input[name=quantity]`), "2"),
	)
	b.RunAndLoad(chromedp.Click(chromedp.CSS(`form[action="/cart/add"] button[type=submit]`)))
	if got := b.Text("main"); !strings.Contains(got, "Added to your cart.") || !strings.Contains(got, "M / Charcoal") {
		t.Fatalf("cart after adding: %q", got)
	}
	if got := b.Text("header .cart-link"); got != "Cart (2)" {
		t.Fatalf("header cart = %q", got)
	}
	b.Screenshot("cart")

	// Signing in from the cart keeps it.
	b.RunAndLoad(chromedp.Click(chromedp.CSS(`main a[href^="/signin"]`)))
	b.Run(
		chromedp.SendKeys(chromedp.CSS(`form[action="/signin"] input[name=email]`), "shopper@demo.citadel.test"),
		chromedp.SendKeys(chromedp.CSS(`form[action="/signin"] input[name=password]`), pw),
	)
	b.RunAndLoad(chromedp.Click(chromedp.CSS(`form[action="/signin"] button[type=submit]`)))
	b.RunAndLoad(chromedp.Click(chromedp.CSS(`header a[href="/cart"]`)))
	if got := b.Text("main"); !strings.Contains(got, "Merino wool base layer") {
		t.Fatalf("cart after signing in: %q", got)
	}
	b.RunAndLoad(chromedp.Click(chromedp.CSS(`main a[href="/checkout"]`)))
	if h := b.Text("h1"); h != "Check out" {
		t.Fatalf("checkout page h1 = %q", h)
	}
	b.Run(
		chromedp.SendKeys(chromedp.CSS(`input[name=name]`), "Grace Hopper"),
		chromedp.SendKeys(chromedp.CSS(`input[name=line1]`), "Karl-Marx-Allee 90"),
		chromedp.SendKeys(chromedp.CSS(`input[name=city]`), "Berlin"),
		chromedp.SendKeys(chromedp.CSS(`input[name=postcode]`), "10243"),
		chromedp.Click(chromedp.CSS(`input[name=method][value=express]`)),
	)
	b.RunAndLoad(chromedp.Click(chromedp.CSS(`button[name=action][value=preview]`)))
	if got := b.Text("p.grand"); got != "To pay: 179.57 EUR" {
		t.Fatalf("total with express delivery = %q", got)
	}
	b.Screenshot("checkout")
	b.RunAndLoad(chromedp.Click(chromedp.CSS(`button[name=action][value=place]`)))
	if h := b.Text("h1"); !strings.HasPrefix(h, "Order ord_") {
		t.Fatalf("confirmation h1 = %q", h)
	}
	if got := b.Text("main"); !strings.Contains(got, "Thank you: your order is placed.") || !strings.Contains(got, "Waiting for payment") ||
		!strings.Contains(got, "179.57 EUR") || !strings.Contains(got, "Grace Hopper") {
		t.Fatalf("confirmation: %q", got)
	}
	b.Screenshot("order-confirmation")
	b.AssertNoConsoleErrors(t)
}
