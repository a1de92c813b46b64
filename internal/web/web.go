// Package web serves Citadel's HTML pages: server-rendered html/template,
// static files embedded in the binary, no inline script, a CSRF token in
// every state-changing form.
package web

import (
	"context"
	"embed"
	"errors"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"

	"github.com/citadel-store/citadel/internal/audit/tlog"
	"github.com/citadel-store/citadel/internal/cart"
	"github.com/citadel-store/citadel/internal/catalog"
	"github.com/citadel-store/citadel/internal/httpx"
	"github.com/citadel-store/citadel/internal/identity"
	"github.com/citadel-store/citadel/internal/identity/passkey"
	"github.com/citadel-store/citadel/internal/inventory"
	"github.com/citadel-store/citadel/internal/order"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// SessionCookie carries the session secret. __Host- pins it to this
// origin over HTTPS; HttpOnly keeps it from scripts.
const SessionCookie = "__Host-session"

// Pages holds the parsed templates and the services pages call.
type Pages struct {
	tmpl *template.Template
	id   *identity.Service
	log  *slog.Logger
	keys *passkey.Service
	// auditLog and auditKey serve the auditor's console (nil: no console).
	auditLog *tlog.Log
	auditKey string
	// certAccount names the account the request's verified, unrevoked
	// client certificate is bound to, or "".
	certAccount func(*http.Request) string

	// The store: nil until WithCommerce.
	catalog   *catalog.Service
	inventory *inventory.Service
	carts     *cart.Service
	orders    *order.Service
	pay       payments
	receipt   func(ctx context.Context, buyerID, checkoutID string) ([]byte, error)
}

// WithCommerce adds the store's pages: catalog, search, cart, checkout,
// orders and the merchant back office.
func (p *Pages) WithCommerce(cat *catalog.Service, inv *inventory.Service, carts *cart.Service, orders *order.Service) *Pages {
	p.catalog, p.inventory, p.carts, p.orders = cat, inv, carts, orders
	return p
}

// New parses the embedded templates; a template error is a build defect,
// so it panics at start, never at request time.
func New(id *identity.Service, keys *passkey.Service, log *slog.Logger, certAccount func(*http.Request) string) *Pages {
	if certAccount == nil {
		certAccount = func(*http.Request) string { return "" }
	}
	return &Pages{tmpl: template.Must(template.ParseFS(templateFS, "templates/*.html")), id: id, keys: keys, log: log, certAccount: certAccount}
}

// Routes registers the HTML surface.
func (p *Pages) Routes(mux *http.ServeMux) {
	static, _ := fs.Sub(staticFS, "static")
	mux.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(static)))
	pk, _ := fs.Sub(passkey.Static, "static")
	mux.Handle("GET /static/passkey.js", http.StripPrefix("/static/", http.FileServerFS(pk)))
	for _, rt := range p.Table() {
		mux.Handle(rt.Pattern, p.authorize(rt))
	}
}

func reqID(r *http.Request) string { return httpx.RequestIDFrom(r.Context()) }

// page is what every template gets.
type page struct {
	Title   string
	Account *identity.Account
	CSRF    string
	Error   string
	Notice  string
	Form    map[string]string
	Data    any
}

func (p *Pages) newPage(w http.ResponseWriter, r *http.Request, title string) *page {
	pg := &page{Title: title, CSRF: httpx.CSRFToken(w, r), Form: map[string]string{}}
	if s := p.session(r); s != nil {
		pg.Account = s.Account
	}
	return pg
}

// session returns the request's live session, or nil.
func (p *Pages) session(r *http.Request) *identity.Session {
	c, err := r.Cookie(SessionCookie)
	if err != nil {
		return nil
	}
	s, err := p.id.Session(r.Context(), c.Value)
	if err != nil {
		if !errors.Is(err, identity.ErrNoSession) {
			p.log.Error("session lookup", "err", err, "request_id", httpx.RequestIDFrom(r.Context()))
		}
		return nil
	}
	// An organization that requires a client certificate requires it on
	// every request: a revoked certificate ends the session's use at once.
	if !s.Account.CertSatisfied(p.certAccount(r)) {
		return nil
	}
	return s
}

func (p *Pages) home(w http.ResponseWriter, r *http.Request) {
	p.render(w, http.StatusOK, "home.html", p.newPage(w, r, "Home"))
}

func (p *Pages) notFound(w http.ResponseWriter, r *http.Request) {
	p.render(w, http.StatusNotFound, "notfound.html", p.newPage(w, r, "Not found"))
}

func (p *Pages) render(w http.ResponseWriter, status int, name string, data *page) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	if err := p.tmpl.ExecuteTemplate(w, name, data); err != nil {
		p.log.Error("template", "name", name, "err", err)
	}
}

// serverError logs the cause and shows a page with only the request ID.
func (p *Pages) serverError(w http.ResponseWriter, r *http.Request, err error) {
	id := httpx.RequestIDFrom(r.Context())
	p.log.Error("handler", "err", err, "request_id", id, "path", r.URL.Path)
	pg := &page{Title: "Something went wrong", Error: "Something went wrong on our side. Request ID: " + id}
	p.render(w, http.StatusInternalServerError, "error.html", pg)
}
