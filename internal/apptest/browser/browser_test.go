package browser_test

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/citadel-store/citadel/internal/apptest"
	"github.com/citadel-store/citadel/internal/apptest/browser"
	"github.com/citadel-store/citadel/internal/store"
)

// A new shopper, in a real browser against the whole server over verified
// HTTPS: the home page, the sign-in page, creating an account through the
// form, confirming it from the emailed link, signing in and seeing the
// account, with no console error and no CSP violation on the way.
func TestRegisterAndSignInInBrowser(t *testing.T) {
	s := apptest.StartEngine(t, store.SQLite)
	b := browser.New(t, browser.WithTrustedCert(browser.ServerCert(t, s.URL, s.TLSConfig())))
	const email, pw = "browser.shopper@example.com", "copper lantern orchard 77"

	b.Run(chromedp.Navigate(s.URL + "/"))
	if h := b.Text("h1"); h != "Welcome to Citadel" {
		t.Fatalf("home page h1 = %q", h)
	}
	b.RunAndLoad(chromedp.Click(chromedp.CSS(`header a[href="/signin"]`)))
	if h := b.Text("h1"); h != "Sign in" {
		t.Fatalf("sign-in page h1 = %q", h)
	}

	b.RunAndLoad(chromedp.Click(chromedp.CSS(`main a[href="/register"]`)))
	b.Run(
		chromedp.SendKeys(chromedp.CSS(`form[action="/register"] input[name=email]`), email),
		chromedp.SendKeys(chromedp.CSS(`form[action="/register"] input[name=password]`), pw),
	)
	resp := b.RunAndLoad(chromedp.Click(chromedp.CSS(`form[action="/register"] button[type=submit]`)))
	if got := b.Text("main"); resp.Status != 200 || !strings.Contains(got, "Check your email") {
		t.Fatalf("after registering (%d): %q", resp.Status, got)
	}

	// The emailed link opens a confirmation form; a click confirms.
	link, err := url.Parse(s.Mail.WaitFor(t, email, 5*time.Second).Link("https://"))
	if err != nil || link.Path != "/verify" {
		t.Fatalf("verification link %v: %v", link, err)
	}
	b.Run(chromedp.Navigate(s.URL + link.RequestURI()))
	resp = b.RunAndLoad(chromedp.Click(chromedp.CSS(`form[action="/verify"] button[type=submit]`)))
	if got := b.Text("main"); resp.Status != 200 || !strings.Contains(got, "confirmed") {
		t.Fatalf("after confirming (%d): %q", resp.Status, got)
	}

	b.Run(
		chromedp.Navigate(s.URL+"/signin"),
		chromedp.SendKeys(chromedp.CSS(`form[action="/signin"] input[name=email]`), email),
		chromedp.SendKeys(chromedp.CSS(`form[action="/signin"] input[name=password]`), pw),
	)
	b.RunAndLoad(chromedp.Click(chromedp.CSS(`form[action="/signin"] button[type=submit]`)))
	if loc := browser.Get(b, chromedp.Location()); loc != s.URL+"/account" {
		t.Fatalf("after signing in: at %s, want /account", loc)
	}
	// The header shows the signed-in state: a sign-out button, no sign-in link.
	b.Run(chromedp.WaitVisible(chromedp.CSS(`header form[action="/signout"] button`)))
	if nav := b.Text("header nav"); strings.Contains(nav, "Sign in") || !strings.Contains(nav, "Your account") {
		t.Fatalf("header when signed in: %q", nav)
	}
	if got := b.Text("main"); !strings.Contains(got, "Signed in as "+email) || !strings.Contains(got, "(this device)") {
		t.Fatalf("account page: %q", got)
	}
	b.Screenshot("account")
	b.AssertNoConsoleErrors(t)
}
