package web

import (
	"errors"
	"net/http"

	"github.com/citadel-store/citadel/internal/identity"
	"github.com/citadel-store/citadel/internal/identity/password"
)

func (p *Pages) securityPage(w http.ResponseWriter, r *http.Request) {
	s := p.requireSession(w, r)
	if s == nil {
		return
	}
	f, err := p.id.Factors(r.Context(), s.Account.ID)
	if err != nil {
		p.serverError(w, r, err)
		return
	}
	pg := p.newPage(w, r, "Sign-in and security")
	pg.Data = map[string]any{"Factors": f, "SteppedUp": p.id.SteppedUp(s)}
	p.render(w, http.StatusOK, "security.html", pg)
}

func (p *Pages) totpBegin(w http.ResponseWriter, r *http.Request) {
	s := p.postedSession(w, r)
	if s == nil {
		return
	}
	_, err := p.id.BeginTOTP(r.Context(), s, p.meta(r))
	p.changed(w, r, err, "/account/security", "/account/totp")
}

func (p *Pages) totpPage(w http.ResponseWriter, r *http.Request) {
	s := p.requireSession(w, r)
	if s == nil {
		return
	}
	key, err := p.id.PendingTOTP(r.Context(), s)
	if errors.Is(err, identity.ErrNoTOTP) {
		http.Redirect(w, r, "/account/security", http.StatusSeeOther)
		return
	}
	if err != nil {
		p.serverError(w, r, err)
		return
	}
	pg := p.newPage(w, r, "Set up an authenticator app")
	pg.Data = map[string]any{"Secret": key.Base32()}
	p.render(w, http.StatusOK, "totp.html", pg)
}

// totpQR renders the pending secret's QR code server-side: no script, and
// the secret never leaves in a URL.
func (p *Pages) totpQR(w http.ResponseWriter, r *http.Request) {
	s := p.session(r)
	if s == nil {
		http.NotFound(w, r)
		return
	}
	key, err := p.id.PendingTOTP(r.Context(), s)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	png, err := key.QRPNG("Citadel", s.Account.Email, 256)
	if err != nil {
		p.serverError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "image/png")
	w.Header().Set("Cache-Control", "no-store")
	w.Write(png)
}

func (p *Pages) totpConfirm(w http.ResponseWriter, r *http.Request) {
	s := p.postedSession(w, r)
	if s == nil {
		return
	}
	code, _ := field(r, "code", 64)
	codes, err := p.id.ConfirmTOTP(r.Context(), s, code, p.meta(r))
	switch {
	case errors.Is(err, identity.ErrStepUpRequired):
		p.stepUpRedirect(w, r, "/account/totp")
		return
	case errors.Is(err, identity.ErrBadFactor):
		pg := p.newPage(w, r, "Set up an authenticator app")
		key, _ := p.id.PendingTOTP(r.Context(), s)
		pg.Data = map[string]any{"Secret": key.Base32()}
		pg.Error = "That code is not right. Check the clock of your phone and try the next code."
		p.render(w, http.StatusUnprocessableEntity, "totp.html", pg)
		return
	case err != nil:
		p.serverError(w, r, err)
		return
	}
	pg := p.newPage(w, r, "Your recovery codes")
	pg.Data = codes
	p.render(w, http.StatusOK, "recovery.html", pg)
}

func (p *Pages) totpRemove(w http.ResponseWriter, r *http.Request) {
	s := p.postedSession(w, r)
	if s == nil {
		return
	}
	p.changed(w, r, p.id.RemoveTOTP(r.Context(), s, p.meta(r)), "/account/security", "/account/security")
}

func (p *Pages) passwordForm(w http.ResponseWriter, r *http.Request) {
	s := p.requireSession(w, r)
	if s == nil {
		return
	}
	if !p.id.SteppedUp(s) {
		p.stepUpRedirect(w, r, "/account/password")
		return
	}
	p.render(w, http.StatusOK, "password.html", p.newPage(w, r, "Change your password"))
}

func (p *Pages) passwordChange(w http.ResponseWriter, r *http.Request) {
	s := p.postedSession(w, r)
	if s == nil {
		return
	}
	cur, _ := field(r, "current", 1024)
	next, ok := field(r, "password", 1024)
	if !ok {
		next = ""
	}
	pg := p.newPage(w, r, "Change your password")
	err := p.id.ChangePassword(r.Context(), s, cur, next, p.meta(r))
	switch {
	case errors.Is(err, identity.ErrStepUpRequired):
		p.stepUpRedirect(w, r, "/account/password")
		return
	case errors.Is(err, identity.ErrInvalidCredentials):
		pg.Error = "Your current password is not right."
		p.render(w, http.StatusUnauthorized, "password.html", pg)
		return
	case errors.Is(err, password.ErrBusy):
		p.userError(w, err, "password.html", pg)
		return
	case p.userError(w, err, "password.html", pg):
		return
	case err != nil:
		p.serverError(w, r, err)
		return
	}
	pg.Notice = "Your password is changed. Every other session was signed out."
	p.render(w, http.StatusOK, "notice.html", pg)
}

func (p *Pages) emailForm(w http.ResponseWriter, r *http.Request) {
	if s := p.requireSession(w, r); s != nil {
		p.render(w, http.StatusOK, "email.html", p.newPage(w, r, "Change your email address"))
	}
}

func (p *Pages) emailChange(w http.ResponseWriter, r *http.Request) {
	s := p.postedSession(w, r)
	if s == nil {
		return
	}
	addr, _ := field(r, "email", 254)
	pg := p.newPage(w, r, "Change your email address")
	err := p.id.RequestEmailChange(r.Context(), s, addr, p.meta(r))
	switch {
	case errors.Is(err, identity.ErrStepUpRequired):
		p.stepUpRedirect(w, r, "/account/email")
		return
	case p.userError(w, err, "email.html", pg):
		return
	case err != nil && isUserError(err):
		pg.Error = err.Error()
		p.render(w, http.StatusUnprocessableEntity, "email.html", pg)
		return
	case err != nil:
		p.serverError(w, r, err)
		return
	}
	pg.Notice = "We sent a link to your current address and one to the new address. The change applies when both are followed, within 24 hours."
	p.render(w, http.StatusOK, "notice.html", pg)
}

func (p *Pages) phoneSet(w http.ResponseWriter, r *http.Request) {
	s := p.postedSession(w, r)
	if s == nil {
		return
	}
	phone, _ := field(r, "phone", 32)
	err := p.id.SetPhone(r.Context(), s, phone, p.meta(r))
	pg := p.newPage(w, r, "Confirm your phone")
	switch {
	case errors.Is(err, identity.ErrStepUpRequired):
		p.stepUpRedirect(w, r, "/account/security")
		return
	case errors.Is(err, identity.ErrInvalidPhone), errors.Is(err, identity.ErrThrottled):
		pg.Error = err.Error()
		p.render(w, http.StatusUnprocessableEntity, "phone.html", pg)
		return
	case err != nil:
		p.serverError(w, r, err)
		return
	}
	p.render(w, http.StatusOK, "phone.html", pg)
}

func (p *Pages) phoneConfirm(w http.ResponseWriter, r *http.Request) {
	s := p.postedSession(w, r)
	if s == nil {
		return
	}
	code, _ := field(r, "code", 64)
	err := p.id.ConfirmPhone(r.Context(), s, code, p.meta(r))
	if errors.Is(err, identity.ErrBadFactor) || errors.Is(err, identity.ErrThrottled) {
		pg := p.newPage(w, r, "Confirm your phone")
		pg.Error = err.Error()
		p.render(w, http.StatusUnauthorized, "phone.html", pg)
		return
	}
	if err != nil {
		p.serverError(w, r, err)
		return
	}
	http.Redirect(w, r, "/account/security", http.StatusSeeOther)
}

// changed finishes a sensitive change: to the step-up page (then back to
// retry) when it needs a fresh factor, to done when it went through.
func (p *Pages) changed(w http.ResponseWriter, r *http.Request, err error, retry, done string) {
	switch {
	case errors.Is(err, identity.ErrStepUpRequired):
		p.stepUpRedirect(w, r, retry)
	case err != nil:
		p.serverError(w, r, err)
	default:
		http.Redirect(w, r, done, http.StatusSeeOther)
	}
}
