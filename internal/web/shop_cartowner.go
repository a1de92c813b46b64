package web

import (
	"net/http"
	"time"

	"github.com/citadel-store/citadel/internal/authz"
	"github.com/citadel-store/citadel/internal/cart"
	"github.com/citadel-store/citadel/internal/httpx"
	"github.com/citadel-store/citadel/internal/identity"
	"github.com/citadel-store/citadel/internal/ids"
)

// CartCookie holds a guest's cart owner ID (gst_...). __Host- pins it to
// this origin over HTTPS; SameSite=Lax keeps it on links from other
// sites, so a shopper who follows one still finds their cart.
const CartCookie = "__Host-cart"

// cartCookieAge is how long a guest cart is remembered.
const cartCookieAge = 30 * 24 * time.Hour

// shopper is who a shop request acts for: the session (nil for a guest),
// the cart owner and the actor that decides on the cart.
type shopper struct {
	session *identity.Session
	// owner is the account ID when signed in, the cookie's guest ID for a
	// guest who has a cart, and "" for a guest who has none yet.
	owner string
	actor authz.Actor
}

// shopper resolves the request's cart owner. A signed-in request that
// still carries a guest cart cookie gets the guest cart merged into the
// account's and the cookie deleted: done here, lazily, so that every way
// of signing in (password, second factor, passkey) is covered.
func (p *Pages) shopper(w http.ResponseWriter, r *http.Request) (shopper, error) {
	guest := ""
	if c, err := r.Cookie(CartCookie); err == nil {
		if cart.IsGuest(c.Value) {
			guest = c.Value
		} else {
			clearCartCookie(w) // not one of ours: forget it
		}
	}
	s := p.session(r)
	if s == nil {
		return shopper{owner: guest, actor: authz.Actor{Anonymous: true, AccountID: guest}}, nil
	}
	sh := shopper{session: s, owner: s.Account.ID, actor: s.Actor()}
	if guest != "" && sh.mayUseCart(sh.owner) {
		dropped, err := p.carts.Merge(r.Context(), guest, sh.owner)
		if err != nil {
			return shopper{}, err
		}
		if dropped > 0 {
			p.log.Info("cart merge dropped lines", "count", dropped, "request_id", reqID(r))
		}
		clearCartCookie(w)
	}
	return sh, nil
}

// mayUseCart decides authz.CartWrite for the shopper on the cart owned by
// owner.
func (sh shopper) mayUseCart(owner string) bool {
	obj := authz.Object{Kind: "cart", ID: owner, OwnerID: owner}
	return owner != "" && authz.Decide(sh.actor, authz.CartWrite, obj, time.Now()).Allowed()
}

// ensureOwner gives a guest without a cart a new guest ID (the cookie is
// set by setCartCookie once something is in the cart).
func (sh *shopper) ensureOwner() (fresh bool) {
	if sh.owner != "" {
		return false
	}
	sh.owner = ids.New("gst")
	sh.actor = authz.Actor{Anonymous: true, AccountID: sh.owner}
	return true
}

func setCartCookie(w http.ResponseWriter, guest string) {
	http.SetCookie(w, &http.Cookie{Name: CartCookie, Value: guest, Path: "/", Secure: true, HttpOnly: true,
		SameSite: http.SameSiteLaxMode, MaxAge: int(cartCookieAge / time.Second)})
}

func clearCartCookie(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{Name: CartCookie, Value: "", Path: "/", Secure: true, HttpOnly: true,
		SameSite: http.SameSiteLaxMode, MaxAge: -1})
}

// chrome is what the header shows on shop pages; every shop page's Data
// embeds it.
type chrome struct {
	CartItems int
}

func (c chrome) cartItems() int { return c.CartItems }

// CartCount is the number of items in the shopper's cart for the header,
// on pages whose Data carries it (0 elsewhere).
func (pg *page) CartCount() int {
	if c, ok := pg.Data.(interface{ cartItems() int }); ok {
		return c.cartItems()
	}
	return 0
}

// SearchText is the text of the header's search box.
func (pg *page) SearchText() string {
	if f, ok := pg.Data.(interface{ searchText() string }); ok {
		return f.searchText()
	}
	return ""
}

// shopPage starts a shop page: the common page plus the header's cart
// count. A failure to count is logged, not shown: the page still works.
func (p *Pages) shopPage(w http.ResponseWriter, r *http.Request, sh shopper, title string) (*page, chrome) {
	pg := p.newPage(w, r, title)
	var c chrome
	if sh.mayUseCart(sh.owner) {
		v, err := p.carts.Get(r.Context(), sh.owner)
		if err != nil {
			p.log.Error("cart count", "err", err, "request_id", httpx.RequestIDFrom(r.Context()))
		}
		for _, l := range v.Lines {
			c.CartItems += l.Quantity
		}
	}
	return pg, c
}
