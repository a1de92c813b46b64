package web

import (
	"encoding/json"
	"errors"
	"net/http"

	"github.com/citadel-store/citadel/internal/identity"
	"github.com/citadel-store/citadel/internal/identity/passkey"
)

// Passkey ceremonies run in two requests: an options endpoint (a form
// POST with the CSRF token, answering JSON) that passkey.js calls, then an
// ordinary form POST carrying the authenticator's response and the state.

func writeOptions(w http.ResponseWriter, options []byte, state string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	json.NewEncoder(w).Encode(map[string]any{"options": json.RawMessage(options), "state": state})
}

func passkeyUser(s *identity.Session) passkey.User {
	return passkey.User{AccountID: s.Account.ID, Email: s.Account.Email, DisplayName: s.Account.Email}
}

func (p *Pages) passkeysPage(w http.ResponseWriter, r *http.Request) {
	s := p.requireSession(w, r)
	if s == nil {
		return
	}
	creds, err := p.keys.List(r.Context(), s.Account.ID)
	if err != nil && !errors.Is(err, passkey.ErrNotFound) {
		p.serverError(w, r, err)
		return
	}
	pg := p.newPage(w, r, "Passkeys")
	pg.Data = creds
	p.render(w, http.StatusOK, "passkeys.html", pg)
}

func (p *Pages) passkeyRegisterOptions(w http.ResponseWriter, r *http.Request) {
	s := p.postedSession(w, r)
	if s == nil {
		return
	}
	opts, state, err := p.keys.BeginRegistration(r.Context(), passkeyUser(s))
	if err != nil {
		p.serverError(w, r, err)
		return
	}
	writeOptions(w, opts, state)
}

func (p *Pages) passkeyRegister(w http.ResponseWriter, r *http.Request) {
	s := p.postedSession(w, r)
	if s == nil {
		return
	}
	name, _ := field(r, "name", 64)
	if name == "" {
		name = "Passkey"
	}
	resp, _ := field(r, "response", 64<<10)
	_, err := p.keys.FinishRegistration(r.Context(), passkeyUser(s), r.PostFormValue("state"), []byte(resp), name)
	if p.passkeyError(w, r, err, "/account/passkeys") {
		return
	}
	http.Redirect(w, r, "/account/passkeys", http.StatusSeeOther)
}

func (p *Pages) passkeyRemove(w http.ResponseWriter, r *http.Request) {
	s := p.postedSession(w, r)
	if s == nil {
		return
	}
	err := p.keys.Remove(r.Context(), s.Account.ID, r.PathValue("id"))
	if errors.Is(err, passkey.ErrNotFound) {
		p.notFound(w, r)
		return
	}
	if err != nil {
		p.serverError(w, r, err)
		return
	}
	http.Redirect(w, r, "/account/passkeys", http.StatusSeeOther)
}

// passkeyError answers a failed ceremony; it reports whether it did.
func (p *Pages) passkeyError(w http.ResponseWriter, r *http.Request, err error, back string) bool {
	switch {
	case err == nil:
		return false
	case errors.Is(err, passkey.ErrInvalidResponse), errors.Is(err, passkey.ErrChallengeExpired),
		errors.Is(err, passkey.ErrCloneSuspected), errors.Is(err, passkey.ErrNotFound), errors.Is(err, identity.ErrInvalidCredentials):
		p.log.Warn("passkey refused", "err", err, "request_id", reqID(r))
		p.render(w, http.StatusUnauthorized, "error.html", &page{Title: "Passkey not accepted",
			Error: "That passkey could not be verified. Go back and try again."})
	default:
		p.serverError(w, r, err)
	}
	return true
}

// Passwordless sign-in: anyone may ask for options (the authenticator
// picks a discoverable credential).
func (p *Pages) passkeySigninOptions(w http.ResponseWriter, r *http.Request) {
	if !p.parseForm(w, r) {
		return
	}
	opts, state, err := p.keys.BeginLogin(r.Context(), "")
	if err != nil {
		p.serverError(w, r, err)
		return
	}
	writeOptions(w, opts, state)
}

func (p *Pages) passkeySignin(w http.ResponseWriter, r *http.Request) {
	if !p.parseForm(w, r) {
		return
	}
	resp, _ := field(r, "response", 64<<10)
	account, err := p.keys.FinishLogin(r.Context(), r.PostFormValue("state"), []byte(resp))
	if p.passkeyError(w, r, err, "/signin") {
		return
	}
	sess, secret, err := p.id.SignInPasswordless(r.Context(), account, p.meta(r))
	if p.passkeyError(w, r, err, "/signin") {
		return
	}
	setSession(w, sess, secret)
	http.Redirect(w, r, "/account", http.StatusSeeOther)
}

// The passkey as a second factor after the password, or as a step-up.
func (p *Pages) passkeyFactorOptions(w http.ResponseWriter, r *http.Request) {
	if !p.parseForm(w, r) {
		return
	}
	s := p.pending(r)
	if s == nil {
		s = p.session(r)
	}
	if s == nil {
		http.Redirect(w, r, "/signin", http.StatusSeeOther)
		return
	}
	opts, state, err := p.keys.BeginLogin(r.Context(), s.Account.ID)
	if errors.Is(err, passkey.ErrNotFound) {
		p.notFound(w, r)
		return
	}
	if err != nil {
		p.serverError(w, r, err)
		return
	}
	writeOptions(w, opts, state)
}

func (p *Pages) passkeyFactor(w http.ResponseWriter, r *http.Request) {
	if !p.parseForm(w, r) {
		return
	}
	pending, full := p.pending(r), p.session(r)
	if pending == nil && full == nil {
		http.Redirect(w, r, "/signin", http.StatusSeeOther)
		return
	}
	resp, _ := field(r, "response", 64<<10)
	account, err := p.keys.FinishLogin(r.Context(), r.PostFormValue("state"), []byte(resp))
	if p.passkeyError(w, r, err, "/signin/mfa") {
		return
	}
	if pending != nil {
		if account != pending.Account.ID {
			p.passkeyError(w, r, identity.ErrInvalidCredentials, "/signin/mfa")
			return
		}
		sess, secret, err := p.id.CompleteSignInVerified(r.Context(), pending, "passkey", p.meta(r))
		if err != nil {
			p.serverError(w, r, err)
			return
		}
		setSession(w, sess, secret)
		http.Redirect(w, r, "/account", http.StatusSeeOther)
		return
	}
	if account != full.Account.ID {
		p.passkeyError(w, r, identity.ErrInvalidCredentials, "/account/stepup")
		return
	}
	if err := p.id.StepUpVerified(r.Context(), full, "passkey", p.meta(r)); err != nil {
		p.serverError(w, r, err)
		return
	}
	http.Redirect(w, r, localPath(r.PostFormValue("next"), "/account/security"), http.StatusSeeOther)
}
