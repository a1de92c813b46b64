package web

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/citadel-store/citadel/internal/httpx"
	"github.com/citadel-store/citadel/internal/identity"
)

// pending returns the request's session that waits for a second factor.
func (p *Pages) pending(r *http.Request) *identity.Session {
	c, err := r.Cookie(SessionCookie)
	if err != nil {
		return nil
	}
	s, err := p.id.PendingSession(r.Context(), c.Value)
	if err != nil || !s.Account.CertSatisfied(p.certAccount(r)) {
		return nil
	}
	return s
}

func setSession(w http.ResponseWriter, s *identity.Session, secret string) {
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: secret, Path: "/", Secure: true, HttpOnly: true,
		SameSite: http.SameSiteLaxMode, Expires: s.ExpiresAt})
	httpx.NewCSRFToken(w)
}

func (p *Pages) factorPage(w http.ResponseWriter, r *http.Request, status int, s *identity.Session, title, action, errMsg string) {
	pg := p.newPage(w, r, title)
	f, err := p.id.Factors(r.Context(), s.Account.ID)
	if err != nil {
		p.serverError(w, r, err)
		return
	}
	pg.Error = errMsg
	pg.Data = map[string]any{"Factors": f, "Action": action, "Next": r.FormValue("next")}
	p.render(w, status, "factor.html", pg)
}

func (p *Pages) secondFactorForm(w http.ResponseWriter, r *http.Request) {
	s := p.pending(r)
	if s == nil {
		http.Redirect(w, r, "/signin", http.StatusSeeOther)
		return
	}
	p.factorPage(w, r, http.StatusOK, s, "Second step", "/signin/mfa", "")
}

func (p *Pages) secondFactor(w http.ResponseWriter, r *http.Request) {
	if !p.parseForm(w, r) {
		return
	}
	s := p.pending(r)
	if s == nil {
		http.Redirect(w, r, "/signin", http.StatusSeeOther)
		return
	}
	method, _ := field(r, "method", 16)
	code, _ := field(r, "code", 64)
	full, secret, err := p.id.CompleteSignIn(r.Context(), s, method, code, p.meta(r))
	if p.factorError(w, r, err, s, "Second step", "/signin/mfa") {
		return
	}
	setSession(w, full, secret)
	http.Redirect(w, r, localPath(r.PostFormValue("next"), "/account"), http.StatusSeeOther)
}

// factorError answers a failed factor check; it reports whether it did.
func (p *Pages) factorError(w http.ResponseWriter, r *http.Request, err error, s *identity.Session, title, action string) bool {
	switch {
	case err == nil:
		return false
	case errors.Is(err, identity.ErrBadFactor):
		p.factorPage(w, r, http.StatusUnauthorized, s, title, action, err.Error())
	case errors.Is(err, identity.ErrThrottled):
		w.Header().Set("Retry-After", "30")
		p.factorPage(w, r, http.StatusTooManyRequests, s, title, action, err.Error())
	default:
		p.serverError(w, r, err)
	}
	return true
}

// requireSession answers with a redirect to sign-in when there is no
// session, and returns nil then.
func (p *Pages) requireSession(w http.ResponseWriter, r *http.Request) *identity.Session {
	s := p.session(r)
	if s == nil {
		http.Redirect(w, r, "/signin", http.StatusSeeOther)
	}
	return s
}

// postedSession checks a form post (size, CSRF) and the session behind
// it; on failure it has answered and returns nil.
func (p *Pages) postedSession(w http.ResponseWriter, r *http.Request) *identity.Session {
	if !p.parseForm(w, r) {
		return nil
	}
	return p.requireSession(w, r)
}

// localPath keeps a ?next= target on this site: a path, never a URL or
// a protocol-relative //host.
func localPath(next, fallback string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\r\n") || len(next) > 256 {
		return fallback
	}
	return next
}

func (p *Pages) stepUpRedirect(w http.ResponseWriter, r *http.Request, next string) {
	http.Redirect(w, r, "/account/stepup?next="+url.QueryEscape(next), http.StatusSeeOther)
}

func (p *Pages) stepUpForm(w http.ResponseWriter, r *http.Request) {
	if s := p.requireSession(w, r); s != nil {
		p.factorPage(w, r, http.StatusOK, s, "Confirm it is you", "/account/stepup", "")
	}
}

func (p *Pages) stepUp(w http.ResponseWriter, r *http.Request) {
	s := p.postedSession(w, r)
	if s == nil {
		return
	}
	method, _ := field(r, "method", 16)
	code, _ := field(r, "code", 64)
	if p.factorError(w, r, p.id.StepUp(r.Context(), s, method, code, p.meta(r)), s, "Confirm it is you", "/account/stepup") {
		return
	}
	http.Redirect(w, r, localPath(r.PostFormValue("next"), "/account/security"), http.StatusSeeOther)
}

// sendCode answers "email me a code" and "text me a code", both at the
// second step of sign-in (a pending session) and at step-up (a full one).
func (p *Pages) sendCode(channel string, stepUp bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var s *identity.Session
		title, action, done := "Second step", "/signin/mfa", "/signin/mfa?sent="+channel
		if stepUp {
			if s = p.postedSession(w, r); s == nil {
				return
			}
			title, action = "Confirm it is you", "/account/stepup"
			done = "/account/stepup?sent=" + channel + "&next=" + url.QueryEscape(localPath(r.PostFormValue("next"), "/account/security"))
		} else {
			if !p.parseForm(w, r) {
				return
			}
			if s = p.pending(r); s == nil {
				http.Redirect(w, r, "/signin", http.StatusSeeOther)
				return
			}
		}
		send := p.id.SendEmailCode
		if channel == identity.MethodSMS {
			send = p.id.SendSMSCode
		}
		if p.factorError(w, r, send(r.Context(), s, p.meta(r)), s, title, action) {
			return
		}
		http.Redirect(w, r, done, http.StatusSeeOther)
	}
}
