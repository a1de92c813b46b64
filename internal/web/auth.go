package web

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"time"

	"github.com/citadel-store/citadel/internal/httpx"
	"github.com/citadel-store/citadel/internal/identity"
	"github.com/citadel-store/citadel/internal/identity/password"
	"github.com/citadel-store/citadel/internal/store"
)

func (p *Pages) meta(r *http.Request) identity.RequestMeta {
	return identity.RequestMeta{IP: httpx.ClientIP(r), UserAgent: r.UserAgent(), RequestID: httpx.RequestIDFrom(r.Context()),
		CertAccount: p.certAccount(r)}
}

// parseForm reads a form and checks its CSRF token; on failure it has
// answered and returns false.
func (p *Pages) parseForm(w http.ResponseWriter, r *http.Request) bool {
	if err := r.ParseForm(); err != nil {
		status := http.StatusBadRequest
		if httpx.IsTooLarge(err) {
			status = http.StatusRequestEntityTooLarge
		}
		p.render(w, status, "error.html", &page{Title: "Bad request", Error: "The form could not be read."})
		return false
	}
	if !httpx.CheckCSRF(r) {
		p.render(w, http.StatusForbidden, "error.html", &page{Title: "Form expired",
			Error: "This form expired or did not come from this site. Go back, reload the page and try again."})
		return false
	}
	return true
}

// field returns a trimmed-to-limit form value.
func field(r *http.Request, name string, limit int) (string, bool) {
	v := r.PostFormValue(name)
	return v, len(v) <= limit
}

func (p *Pages) signinForm(w http.ResponseWriter, r *http.Request) {
	pg := p.newPage(w, r, "Sign in")
	pg.Form["next"] = localPath(r.URL.Query().Get("next"), "")
	p.render(w, http.StatusOK, "signin.html", pg)
}

func (p *Pages) signin(w http.ResponseWriter, r *http.Request) {
	if !p.parseForm(w, r) {
		return
	}
	pg := p.newPage(w, r, "Sign in")
	next := localPath(r.PostFormValue("next"), "")
	pg.Form["next"] = next
	email, ok1 := field(r, "email", 254)
	pw, ok2 := field(r, "password", 1024)
	if ok1 {
		pg.Form["email"] = email
	}
	if !ok1 || !ok2 {
		pg.Error = identity.ErrInvalidCredentials.Error()
		p.render(w, http.StatusUnauthorized, "signin.html", pg)
		return
	}
	sess, secret, err := p.id.SignIn(r.Context(), email, pw, p.meta(r))
	switch {
	case err == nil:
	case errors.Is(err, identity.ErrThrottled), errors.Is(err, password.ErrBusy):
		w.Header().Set("Retry-After", "30")
		pg.Error = identity.ErrThrottled.Error()
		p.render(w, http.StatusTooManyRequests, "signin.html", pg)
		return
	case errors.Is(err, identity.ErrInvalidCredentials), errors.Is(err, identity.ErrEmailNotVerified):
		pg.Error = err.Error()
		p.render(w, http.StatusUnauthorized, "signin.html", pg)
		return
	default:
		p.serverError(w, r, err)
		return
	}
	setSession(w, sess, secret)
	if sess.Pending {
		to := "/signin/mfa"
		if next != "" {
			to += "?next=" + url.QueryEscape(next)
		}
		http.Redirect(w, r, to, http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, localPath(next, "/account"), http.StatusSeeOther)
}

func (p *Pages) signout(w http.ResponseWriter, r *http.Request) {
	if !p.parseForm(w, r) {
		return
	}
	if s := p.session(r); s != nil {
		if err := p.id.SignOut(r.Context(), s, p.meta(r)); err != nil {
			p.serverError(w, r, err)
			return
		}
	}
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: "", Path: "/", Secure: true, HttpOnly: true, MaxAge: -1})
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

func (p *Pages) registerForm(w http.ResponseWriter, r *http.Request) {
	p.render(w, http.StatusOK, "register.html", p.newPage(w, r, "Create an account"))
}

func (p *Pages) register(w http.ResponseWriter, r *http.Request) {
	if !p.parseForm(w, r) {
		return
	}
	pg := p.newPage(w, r, "Create an account")
	email, ok1 := field(r, "email", 254)
	pw, ok2 := field(r, "password", 1024)
	if ok1 {
		pg.Form["email"] = email
	}
	if !ok2 {
		pg.Error = password.ErrTooLong.Error()
		p.render(w, http.StatusUnprocessableEntity, "register.html", pg)
		return
	}
	err := p.id.RegisterWithConsent(r.Context(), email, pw, r.PostFormValue("marketing_email") == "on", p.meta(r))
	if p.userError(w, err, "register.html", pg) {
		return
	}
	if err != nil {
		p.serverError(w, r, err)
		return
	}
	pg.Notice = "Check your email: we sent a link to confirm your address."
	p.render(w, http.StatusOK, "notice.html", pg)
}

// userError re-shows a form for errors the user can fix; it reports
// whether it answered.
func (p *Pages) userError(w http.ResponseWriter, err error, tmpl string, pg *page) bool {
	var status int
	switch {
	case err == nil:
		return false
	case errors.Is(err, identity.ErrThrottled), errors.Is(err, password.ErrBusy):
		w.Header().Set("Retry-After", "30")
		status, err = http.StatusTooManyRequests, identity.ErrThrottled
	case errors.Is(err, identity.ErrInvalidEmail), errors.Is(err, password.ErrTooShort), errors.Is(err, password.ErrTooLong),
		errors.Is(err, password.ErrCommon), errors.Is(err, password.ErrHasEmail), errors.Is(err, password.ErrNotUTF8),
		errors.Is(err, password.ErrControlCh):
		status = http.StatusUnprocessableEntity
	case errors.Is(err, identity.ErrInvalidToken):
		status = http.StatusBadRequest
	default:
		return false
	}
	pg.Error = err.Error()
	p.render(w, status, tmpl, pg)
	return true
}

func (p *Pages) resetForm(w http.ResponseWriter, r *http.Request) {
	p.render(w, http.StatusOK, "reset.html", p.newPage(w, r, "Reset your password"))
}

func (p *Pages) resetRequest(w http.ResponseWriter, r *http.Request) {
	if !p.parseForm(w, r) {
		return
	}
	pg := p.newPage(w, r, "Reset your password")
	email, _ := field(r, "email", 254)
	err := p.id.RequestPasswordReset(r.Context(), email, p.meta(r))
	if p.userError(w, err, "reset.html", pg) {
		return
	}
	if err != nil {
		p.serverError(w, r, err)
		return
	}
	pg.Notice = "If an account uses that address, we sent it a link to choose a new password. It works for 30 minutes."
	p.render(w, http.StatusOK, "notice.html", pg)
}

func (p *Pages) tokenForm(title, action string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		pg := p.newPage(w, r, title)
		pg.Form["token"] = r.URL.Query().Get("token")
		pg.Data = map[string]any{"Action": action, "Path": r.URL.Path,
			"NeedsPassword": r.URL.Path == "/reset/confirm" || r.URL.Path == "/enrol"}
		p.render(w, http.StatusOK, "token.html", pg)
	}
}

func (p *Pages) tokenSubmit(w http.ResponseWriter, r *http.Request) {
	if !p.parseForm(w, r) {
		return
	}
	tok, _ := field(r, "token", 128)
	pw, ok := field(r, "password", 1024)
	pg := p.newPage(w, r, "Confirm")
	pg.Form["token"] = tok
	pg.Data = map[string]any{"Action": "Confirm", "Path": r.URL.Path,
		"NeedsPassword": r.URL.Path == "/reset/confirm" || r.URL.Path == "/enrol"}
	if !ok {
		pw = ""
	}
	ctx, m := r.Context(), p.meta(r)
	var err error
	var notice string
	switch r.URL.Path {
	case "/verify":
		err, notice = p.id.VerifyEmail(ctx, tok, m), "Your email address is confirmed. You can sign in now."
	case "/unlock":
		err, notice = p.id.Unlock(ctx, tok, m), "Thank you. Your password works again: sign in now."
	case "/reset/confirm":
		err, notice = p.id.ResetPassword(ctx, tok, pw, m), "Your password is changed and every session was signed out. Sign in with the new password."
	case "/enrol":
		err, notice = p.id.Enrol(ctx, tok, pw, m), "Your password is set. Sign in now."
	case "/email/confirm":
		var done bool
		done, err = p.id.ConfirmEmailChange(ctx, tok, m)
		notice = "Thank you. The change applies once the other address confirms too."
		if done {
			notice = "Your email address is changed. Sign in with the new address from now on."
		}
	}
	if p.userError(w, err, "token.html", pg) {
		return
	}
	if err != nil {
		p.serverError(w, r, err)
		return
	}
	pg.Notice = notice
	p.render(w, http.StatusOK, "notice.html", pg)
}

func (p *Pages) accountPage(w http.ResponseWriter, r *http.Request) {
	s := p.session(r)
	if s == nil {
		http.Redirect(w, r, "/signin", http.StatusSeeOther)
		return
	}
	pg := p.newPage(w, r, "Your account")
	sessions, err := p.id.Sessions(r.Context(), s)
	if err != nil {
		p.serverError(w, r, err)
		return
	}
	pg.Data = sessions
	p.render(w, http.StatusOK, "account.html", pg)
}

func (p *Pages) revokeSession(w http.ResponseWriter, r *http.Request) {
	if !p.parseForm(w, r) {
		return
	}
	s := p.session(r)
	if s == nil {
		http.Redirect(w, r, "/signin", http.StatusSeeOther)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
	defer cancel()
	err := p.id.RevokeSession(ctx, s, r.PathValue("handle"), p.meta(r))
	if errors.Is(err, store.ErrNotFound) {
		p.notFound(w, r)
		return
	}
	if err != nil {
		p.serverError(w, r, err)
		return
	}
	http.Redirect(w, r, "/account", http.StatusSeeOther)
}
