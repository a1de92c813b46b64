package web

import (
	"net/http"
	"strings"
	"time"

	"github.com/citadel-store/citadel/internal/authz"
	"github.com/citadel-store/citadel/internal/identity"
)

// Route is one entry of the HTML surface's route table: every route is
// registered from it, and each either is public (pages anyone may open:
// sign-in, register, email links) or names the authz action its handler
// performs. A test walks this table against every role.
type Route struct {
	Pattern string
	Action  authz.Action // "" only when Public
	Public  bool
	handler http.HandlerFunc
}

// Table returns the HTML surface's routes.
func (p *Pages) Table() []Route {
	pub := func(pattern string, h http.HandlerFunc) Route {
		return Route{Pattern: pattern, Public: true, handler: h}
	}
	self := func(pattern string, a authz.Action, h http.HandlerFunc) Route {
		return Route{Pattern: pattern, Action: a, handler: h}
	}
	rs := []Route{
		pub("GET /{$}", p.shopHome),
		pub("/", p.notFound),
		pub("GET /signin", p.signinForm),
		pub("POST /signin", p.signin),
		pub("POST /signout", p.signout),
		pub("GET /register", p.registerForm),
		pub("POST /register", p.register),
		pub("GET /reset", p.resetForm),
		pub("POST /reset", p.resetRequest),
		// The second step of sign-in checks the pending session itself.
		pub("GET /signin/mfa", p.secondFactorForm),
		pub("POST /signin/mfa", p.secondFactor),
		pub("POST /signin/mfa/email", p.sendCode(identity.MethodEmail, false)),
		pub("POST /signin/mfa/sms", p.sendCode(identity.MethodSMS, false)),
		// Passkeys: passwordless sign-in, and the second factor or step-up
		// (these check the pending or full session themselves).
		pub("POST /signin/passkey/options", p.passkeySigninOptions),
		pub("POST /signin/passkey", p.passkeySignin),
		pub("POST /signin/mfa/passkey/options", p.passkeyFactorOptions),
		pub("POST /signin/mfa/passkey", p.passkeyFactor),

		self("GET /account", authz.AccountReadSelf, p.accountPage),
		self("POST /account/sessions/{handle}/revoke", authz.AccountSessions, p.revokeSession),
		self("GET /account/security", authz.AccountReadSelf, p.securityPage),
		self("GET /account/stepup", authz.AccountReadSelf, p.stepUpForm),
		self("POST /account/stepup", authz.AccountReadSelf, p.stepUp),
		self("POST /account/stepup/email", authz.AccountReadSelf, p.sendCode(identity.MethodEmail, true)),
		self("POST /account/stepup/sms", authz.AccountReadSelf, p.sendCode(identity.MethodSMS, true)),
		self("POST /account/phone", authz.AccountCredentials, p.phoneSet),
		self("POST /account/phone/confirm", authz.AccountCredentials, p.phoneConfirm),
		self("POST /account/totp/begin", authz.AccountCredentials, p.totpBegin),
		self("GET /account/totp", authz.AccountCredentials, p.totpPage),
		self("GET /account/totp/qr.png", authz.AccountCredentials, p.totpQR),
		self("POST /account/totp/confirm", authz.AccountCredentials, p.totpConfirm),
		self("POST /account/totp/remove", authz.AccountCredentials, p.totpRemove),
		self("GET /account/tokens", authz.AccountReadSelf, p.tokensPage),
		self("POST /account/tokens", authz.AccountTokens, p.tokenCreate),
		self("POST /account/tokens/{id}/revoke", authz.AccountTokens, p.tokenRevoke),
		self("GET /account/passkeys", authz.AccountReadSelf, p.passkeysPage),
		self("POST /account/passkeys/options", authz.AccountCredentials, p.passkeyRegisterOptions),
		self("POST /account/passkeys", authz.AccountCredentials, p.passkeyRegister),
		self("POST /account/passkeys/{id}/remove", authz.AccountCredentials, p.passkeyRemove),
		self("GET /account/privacy", authz.AccountReadSelf, p.privacyPage),
		self("POST /account/consents", authz.AccountUpdateSelf, p.consentsUpdate),
		self("POST /account/export", authz.PrivacyExportSelf, p.exportRequest),
		self("GET /account/export/download", authz.AccountReadSelf, p.exportForm),
		self("POST /account/export/download", authz.PrivacyExportSelf, p.exportDownload),
		self("GET /account/delete", authz.AccountReadSelf, p.deleteForm),
		self("POST /account/delete", authz.PrivacyEraseSelf, p.deleteAccount),
		// The auditor's console: read-only, every entry linked to its proof.
		{Pattern: "GET /audit/console", Action: authz.AuditRead, handler: p.auditConsole},
		{Pattern: "GET /audit/console/proof/{index}", Action: authz.AuditRead, handler: p.auditProof},
		{Pattern: "GET /audit/console/export", Action: authz.AuditRead, handler: p.auditExport},
		self("GET /account/email", authz.AccountCredentials, p.emailForm),
		self("POST /account/email", authz.AccountCredentials, p.emailChange),
		self("GET /account/password", authz.AccountCredentials, p.passwordForm),
		self("GET /orders/{id}/receipt", authz.OrderRead, p.orderReceipt),
		self("POST /account/password", authz.AccountCredentials, p.passwordChange),
	}
	// Email links open a confirmation form; the token is the authority.
	for _, l := range []struct{ path, title, action string }{
		{"/verify", "Confirm your email address", "Confirm"},
		{"/unlock", "Confirm it is you", "Confirm"},
		{"/reset/confirm", "Choose a new password", "Set password"},
		{"/enrol", "Set your password", "Set password"},
		{"/email/confirm", "Confirm the change of address", "Confirm"},
	} {
		rs = append(rs, pub("GET "+l.path, p.tokenForm(l.title, l.action)), pub("POST "+l.path, p.tokenSubmit))
	}
	rs = append(rs, p.shopRoutes()...)
	rs = append(rs, p.payRoutes()...)
	return append(rs, p.merchantRoutes()...)
}

// RouteObject is the object a route-level check decides on: the actor's
// own account, organization and merchant. It answers "can this actor's
// roles do this action at all"; handlers that touch an order, a product
// or a cart decide again on that object, with its owner loaded from the
// database.
func RouteObject(a authz.Actor) authz.Object {
	return authz.Object{Kind: "route", ID: a.AccountID, OwnerID: a.AccountID, OrgID: a.OrgID, MerchantID: a.MerchantID}
}

// authorize wraps a non-public route: no session sends the person to
// sign in; a missing step-up sends them to confirm a factor; anything
// else authz refuses is a 403. Account pages act on the actor's own
// account, which is the object.
func (p *Pages) authorize(rt Route) http.Handler {
	if p.keys == nil && strings.Contains(rt.Pattern, "passkey") {
		return http.HandlerFunc(p.notFound) // passkeys are off on this store
	}
	if p.auditLog == nil && strings.HasPrefix(rt.Pattern, "GET /audit/") {
		return http.HandlerFunc(p.notFound)
	}
	if rt.Public {
		return rt.handler
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := p.session(r)
		if s == nil {
			http.Redirect(w, r, "/signin", http.StatusSeeOther)
			return
		}
		actor := s.Actor()
		d := authz.Decide(actor, rt.Action, RouteObject(actor), time.Now())
		switch {
		case d.Allowed():
			rt.handler(w, r)
		case d.NeedStepUp():
			next := r.URL.Path
			if r.Method != http.MethodGet {
				next = "/account/security"
			}
			p.stepUpRedirect(w, r, next)
		default:
			p.log.Warn("authz denied", "reason", d.Reason(), "request_id", reqID(r))
			p.render(w, http.StatusForbidden, "error.html", &page{Title: "Not allowed", Error: "You may not do this."})
		}
	})
}
