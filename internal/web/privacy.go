package web

import (
	"encoding/json"
	"errors"
	"net/http"

	"github.com/citadel-store/citadel/internal/identity"
)

func (p *Pages) privacyPage(w http.ResponseWriter, r *http.Request) {
	s := p.requireSession(w, r)
	if s == nil {
		return
	}
	cs, err := p.id.Consents(r.Context(), s.Account.ID)
	if err != nil {
		p.serverError(w, r, err)
		return
	}
	state := map[string]bool{}
	for _, c := range cs {
		state[c.Purpose] = c.Granted
	}
	pg := p.newPage(w, r, "Your data and privacy")
	pg.Data = map[string]any{"Consents": cs, "Marketing": state[identity.ConsentMarketing], "Analytics": state[identity.ConsentAnalytics]}
	p.render(w, http.StatusOK, "privacy.html", pg)
}

func (p *Pages) consentsUpdate(w http.ResponseWriter, r *http.Request) {
	s := p.postedSession(w, r)
	if s == nil {
		return
	}
	for _, purpose := range []string{identity.ConsentMarketing, identity.ConsentAnalytics} {
		if err := p.id.SetConsent(r.Context(), s, purpose, r.PostFormValue(purpose) == "on", p.meta(r)); err != nil {
			p.serverError(w, r, err)
			return
		}
	}
	http.Redirect(w, r, "/account/privacy", http.StatusSeeOther)
}

func (p *Pages) exportRequest(w http.ResponseWriter, r *http.Request) {
	s := p.postedSession(w, r)
	if s == nil {
		return
	}
	if err := p.id.RequestExport(r.Context(), s, p.meta(r)); err != nil {
		p.serverError(w, r, err)
		return
	}
	pg := p.newPage(w, r, "Your data")
	pg.Notice = "We are preparing a copy of your data and will email you a link to download it once, within 24 hours."
	p.render(w, http.StatusOK, "notice.html", pg)
}

// exportForm shows a button: opening the emailed link changes nothing.
func (p *Pages) exportForm(w http.ResponseWriter, r *http.Request) {
	if s := p.requireSession(w, r); s != nil {
		pg := p.newPage(w, r, "Download your data")
		pg.Form["token"] = r.URL.Query().Get("token")
		pg.Data = map[string]any{"Action": "Download", "Path": "/account/export/download", "NeedsPassword": false}
		p.render(w, http.StatusOK, "token.html", pg)
	}
}

func (p *Pages) exportDownload(w http.ResponseWriter, r *http.Request) {
	s := p.postedSession(w, r)
	if s == nil {
		return
	}
	tok, _ := field(r, "token", 128)
	e, err := p.id.DownloadExport(r.Context(), s, tok, p.meta(r))
	switch {
	case errors.Is(err, identity.ErrInvalidToken), errors.Is(err, identity.ErrExportNotReady):
		p.render(w, http.StatusBadRequest, "error.html", &page{Title: "Download", Error: err.Error()})
		return
	case err != nil:
		p.serverError(w, r, err)
		return
	}
	raw, _ := json.MarshalIndent(e, "", "  ")
	pg := p.newPage(w, r, "Your data")
	pg.Data = map[string]any{"Export": e, "JSON": string(raw)}
	w.Header().Set("Content-Disposition", `inline; filename="citadel-data.html"`)
	p.render(w, http.StatusOK, "export.html", pg)
}

func (p *Pages) deleteForm(w http.ResponseWriter, r *http.Request) {
	if p.requireSession(w, r) != nil {
		p.render(w, http.StatusOK, "delete.html", p.newPage(w, r, "Delete your account"))
	}
}

func (p *Pages) deleteAccount(w http.ResponseWriter, r *http.Request) {
	s := p.postedSession(w, r)
	if s == nil {
		return
	}
	if r.PostFormValue("confirm") != "delete" {
		pg := p.newPage(w, r, "Delete your account")
		pg.Error = `Type "delete" to confirm.`
		p.render(w, http.StatusUnprocessableEntity, "delete.html", pg)
		return
	}
	err := p.id.Erase(r.Context(), s, p.meta(r))
	if errors.Is(err, identity.ErrStepUpRequired) {
		p.stepUpRedirect(w, r, "/account/delete")
		return
	}
	if err != nil {
		p.serverError(w, r, err)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: "", Path: "/", Secure: true, HttpOnly: true, MaxAge: -1})
	p.render(w, http.StatusOK, "notice.html", &page{Title: "Account deleted", Notice: "Your account and your personal data are deleted."})
}
