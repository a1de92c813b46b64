package web

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/citadel-store/citadel/internal/authz"
	"github.com/citadel-store/citadel/internal/identity"
	"github.com/citadel-store/citadel/internal/store"
)

// tokenScopes are the scopes the tokens page offers; the service checks
// each against the account's roles anyway.
var tokenScopes = []authz.Action{authz.AccountReadSelf, authz.OrderRead, authz.OrderCreate, authz.CartWrite,
	authz.ProductCreate, authz.ProductUpdate, authz.StockAdjust, authz.MerchantOrderRead, authz.MerchantOrderShip}

func (p *Pages) tokensPage(w http.ResponseWriter, r *http.Request) {
	s := p.requireSession(w, r)
	if s == nil {
		return
	}
	p.renderTokens(w, r, s, http.StatusOK, "", "")
}

func (p *Pages) renderTokens(w http.ResponseWriter, r *http.Request, s *identity.Session, status int, secret, errMsg string) {
	toks, err := p.id.APITokens(r.Context(), s)
	if err != nil {
		p.serverError(w, r, err)
		return
	}
	pg := p.newPage(w, r, "API tokens")
	pg.Error = errMsg
	pg.Data = map[string]any{"Tokens": toks, "Scopes": tokenScopes, "Secret": secret}
	p.render(w, status, "tokens.html", pg)
}

func (p *Pages) tokenCreate(w http.ResponseWriter, r *http.Request) {
	s := p.postedSession(w, r)
	if s == nil {
		return
	}
	name, _ := field(r, "name", 100)
	days, err := strconv.Atoi(r.PostFormValue("days"))
	if err != nil {
		days = 0
	}
	var scopes []authz.Action
	for _, v := range r.PostForm["scope"] {
		if len(scopes) < 32 {
			scopes = append(scopes, authz.Action(v))
		}
	}
	secret, err := p.id.CreateAPIToken(r.Context(), s, name, scopes, time.Duration(days)*24*time.Hour, p.meta(r))
	switch {
	case errors.Is(err, identity.ErrStepUpRequired):
		p.stepUpRedirect(w, r, "/account/tokens")
	case err != nil && isUserError(err):
		p.renderTokens(w, r, s, http.StatusUnprocessableEntity, "", err.Error())
	case err != nil:
		p.serverError(w, r, err)
	default:
		p.renderTokens(w, r, s, http.StatusOK, secret, "")
	}
}

// isUserError separates the service's validation messages (safe to show)
// from failures of the machinery.
func isUserError(err error) bool {
	var se interface{ SQLState() string }
	return !errors.As(err, &se) && !errors.Is(err, store.ErrNotFound) && len(err.Error()) < 120
}

func (p *Pages) tokenRevoke(w http.ResponseWriter, r *http.Request) {
	s := p.postedSession(w, r)
	if s == nil {
		return
	}
	err := p.id.RevokeAPIToken(r.Context(), s, r.PathValue("id"), p.meta(r))
	if errors.Is(err, store.ErrNotFound) {
		p.notFound(w, r)
		return
	}
	if err != nil {
		p.serverError(w, r, err)
		return
	}
	http.Redirect(w, r, "/account/tokens", http.StatusSeeOther)
}
