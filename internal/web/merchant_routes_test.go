package web

import (
	"io"
	"io/fs"
	"log/slog"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/citadel-store/citadel/internal/authz"
	"github.com/citadel-store/citadel/internal/catalog"
	"github.com/citadel-store/citadel/internal/order"
)

// Every back-office route needs an action merchant owners hold for their
// own merchant only; archiving and cancelling are the owner's alone.
func TestBackofficeRouteActions(t *testing.T) {
	p := New(nil, nil, slog.New(slog.NewTextHandler(io.Discard, nil)), nil)
	n := 0
	for _, rt := range p.Table() {
		method, path, _ := strings.Cut(rt.Pattern, " ")
		if path != "/merchant" && !strings.HasPrefix(path, "/merchant/") {
			continue
		}
		n++
		if rt.Public || (method != "GET" && method != "POST") {
			t.Errorf("%s: public or without a method", rt.Pattern)
		}
		if s, ok := authz.Allowed(authz.MerchantOwner, rt.Action); !ok || s != authz.ScopeMerchant {
			t.Errorf("%s: %s is not a merchant-scoped owner action", rt.Pattern, rt.Action)
		}
		_, staff := authz.Allowed(authz.MerchantStaff, rt.Action)
		ownerOnly := strings.HasSuffix(path, "/archive") || strings.HasSuffix(path, "/restore") || strings.HasSuffix(path, "/cancel")
		if staff == ownerOnly {
			t.Errorf("%s: merchant staff allowed=%v", rt.Pattern, staff)
		}
	}
	if n < 20 {
		t.Fatalf("only %d back-office routes", n)
	}
}

var (
	postFormRe    = regexp.MustCompile(`(?s)<form[^>]*method="post".*?</form>`)
	csrfField     = `<input type="hidden" name="csrf" value="{{`
	handlerAttrRe = regexp.MustCompile(`\son[a-z]+=`)
)

// The back-office templates keep to the CSP (no inline script or style)
// and every form that changes something carries the CSRF token.
func TestBackofficeTemplates(t *testing.T) {
	names, _ := fs.Glob(templateFS, "templates/merchant_*.html")
	if len(names) < 10 {
		t.Fatalf("only %d templates", len(names))
	}
	for _, name := range names {
		b, _ := fs.ReadFile(templateFS, name)
		src := string(b)
		for _, bad := range []string{"<script", "<style", "style=", "javascript:"} {
			if strings.Contains(src, bad) {
				t.Errorf("%s: contains %q", name, bad)
			}
		}
		if handlerAttrRe.MatchString(src) {
			t.Errorf("%s: an inline event handler", name)
		}
		for _, f := range postFormRe.FindAllString(src, -1) {
			if !strings.Contains(f, csrfField) {
				t.Errorf("%s: a post form without the CSRF field: %.80s", name, f)
			}
		}
		if strings.Contains(src, "<form") && strings.Count(src, "<form") != len(postFormRe.FindAllString(src, -1)) {
			t.Errorf("%s: a form that is not a post", name)
		}
	}
}

func TestPostedOptions(t *testing.T) {
	for _, tc := range []struct {
		name string
		form url.Values
		want map[string]string
		err  string
	}{
		{"two-options", url.Values{"opt_name_0": {" size "}, "opt_value_0": {"M"}, "opt_name_2": {"colour"}, "opt_value_2": {"Blue"}},
			map[string]string{"size": "M", "colour": "Blue"}, ""},
		{"none", url.Values{"opt_name_0": {" "}, "opt_value_0": {""}}, map[string]string{}, ""},
		{"fail/value-without-name", url.Values{"opt_value_0": {"M"}}, nil, "a name and a value"},
		{"fail/name-without-value", url.Values{"opt_name_0": {"size"}}, nil, "a name and a value"},
		{"fail/same-name-twice", url.Values{"opt_name_0": {"size"}, "opt_value_0": {"M"}, "opt_name_1": {"size"}, "opt_value_1": {"L"}},
			nil, "once"},
		{"rows-past-the-last-ignored", url.Values{"opt_name_10": {"size"}, "opt_value_10": {"M"}}, map[string]string{}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("POST", "/", strings.NewReader(tc.form.Encode()))
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			opts, rows, err := boPostedOptions(r)
			if tc.err != "" {
				ie, ok := catalog.IsInvalid(err)
				if !ok || ie.Field != "options" || !strings.Contains(ie.Msg, tc.err) {
					t.Fatalf("err = %v", err)
				}
			} else if err != nil || len(opts) != len(tc.want) {
				t.Fatalf("got %v, %v", opts, err)
			}
			for k, v := range tc.want {
				if opts[k] != v {
					t.Errorf("%s = %q, want %q", k, opts[k], v)
				}
			}
			if len(rows) < boMinOptions || rows[len(rows)-1] != (boOption{}) {
				t.Errorf("rows %v: no empty row to re-fill", rows)
			}
		})
	}
}

func TestBoOptionRows(t *testing.T) {
	rows := boOptionRows(map[string]string{"size": "M", "colour": "Blue"})
	if len(rows) != boMinOptions || rows[0] != (boOption{"colour", "Blue"}) || rows[2] != (boOption{}) {
		t.Fatalf("rows = %v", rows)
	}
	full := map[string]string{}
	for i := range catalog.MaxOptions {
		full[string(rune('a'+i))] = "x"
	}
	if rows := boOptionRows(full); len(rows) != catalog.MaxOptions {
		t.Fatalf("%d rows for a full variant", len(rows))
	}
}

func TestBoFieldLabel(t *testing.T) {
	for field, want := range map[string]string{
		"variants[1].price": "Price", "variant.options": "Options", "title": "Title", "variants": "Variants",
		"address.lines": "This field", "": "This field", "on_hand": "On hand",
	} {
		if got := boFieldLabel(field); got != want {
			t.Errorf("%q: %q, want %q", field, got, want)
		}
	}
}

func TestBoCurrenciesKnown(t *testing.T) {
	for _, c := range boCurrencies {
		if !c.Valid() {
			t.Errorf("%s is offered but unknown", c)
		}
	}
}

// The buyer is never named to the merchant; the merchant's own people
// are.
func TestBoEventActor(t *testing.T) {
	for _, tc := range []struct {
		e    order.Event
		want string
	}{
		{order.Event{Actor: "acc_me", ActorKind: order.ByMerchant}, "you"},
		{order.Event{Actor: "acc_colleague", ActorKind: order.ByMerchant}, "your team (acc_colleague)"},
		{order.Event{Actor: "acc_buyer", ActorKind: order.ByBuyer}, "the buyer"},
		{order.Event{Actor: "system", ActorKind: order.BySystem}, "automatic"},
		{order.Event{Actor: "acc_agent", ActorKind: order.BySupport}, "Citadel support"},
	} {
		if got := boEventActor(tc.e, "acc_me"); got != tc.want {
			t.Errorf("%+v: %q, want %q", tc.e, got, tc.want)
		}
	}
}
