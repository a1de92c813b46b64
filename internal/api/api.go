// Package api serves Citadel's JSON API under /api/v1. Clients
// authenticate with a personal access token (Authorization: Bearer), each
// call is limited to the token's scopes and then decided by authz on the
// object; errors are {"error":{"code":"...","message":"..."}}.
package api

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/citadel-store/citadel/internal/authz"
	"github.com/citadel-store/citadel/internal/httpx"
	"github.com/citadel-store/citadel/internal/identity"
)

// API holds the JSON handlers' dependencies.
type API struct {
	id  *identity.Service
	log *slog.Logger
}

// New builds the API surface.
func New(id *identity.Service, log *slog.Logger) *API { return &API{id: id, log: log} }

// Route is one entry of the API's route table, with the action it needs.
type Route struct {
	Pattern string
	Action  authz.Action
	handler func(w http.ResponseWriter, r *http.Request, p *identity.APIPrincipal)
}

// Table lists the API routes.
func (a *API) Table() []Route {
	return []Route{
		{"GET /api/v1/me", authz.AccountReadSelf, a.me},
	}
}

// Routes registers the API, and a JSON 404 for anything else under it.
func (a *API) Routes(mux *http.ServeMux) {
	for _, rt := range a.Table() {
		mux.Handle(rt.Pattern, a.authorize(rt))
	}
	mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		httpx.WriteError(w, http.StatusNotFound, "not_found", "no such API route")
	})
}

func (a *API) authorize(rt Route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok {
			w.Header().Set("WWW-Authenticate", `Bearer realm="citadel"`)
			httpx.WriteError(w, http.StatusUnauthorized, "unauthenticated", "send a personal access token as Authorization: Bearer")
			return
		}
		p, err := a.id.AuthenticateAPIToken(r.Context(), strings.TrimSpace(tok))
		if errors.Is(err, identity.ErrInvalidAPIToken) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="citadel", error="invalid_token"`)
			httpx.WriteError(w, http.StatusUnauthorized, "invalid_token", err.Error())
			return
		}
		if err != nil {
			a.log.Error("api auth", "err", err, "request_id", httpx.RequestIDFrom(r.Context()))
			httpx.WriteError(w, http.StatusInternalServerError, "internal", "internal error; request ID "+httpx.RequestIDFrom(r.Context()))
			return
		}
		if !p.Can(rt.Action) {
			httpx.WriteError(w, http.StatusForbidden, "insufficient_scope", "the token lacks the scope "+string(rt.Action))
			return
		}
		actor := p.Account.Actor(time.Time{})
		d := authz.Decide(actor, rt.Action, authz.Object{Kind: "account", ID: actor.AccountID, OwnerID: actor.AccountID}, time.Now())
		if !d.Allowed() {
			httpx.WriteError(w, http.StatusForbidden, "forbidden", "not allowed")
			return
		}
		rt.handler(w, r, p)
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func (a *API) me(w http.ResponseWriter, r *http.Request, p *identity.APIPrincipal) {
	writeJSON(w, http.StatusOK, map[string]any{
		"id": p.Account.ID, "email": p.Account.Email, "roles": p.Account.Roles, "token": p.TokenID, "scopes": p.Scopes,
	})
}
