package web

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/citadel-store/citadel/internal/audit/tlog"
)

// WithAudit gives the pages the audit log for the auditor's console.
func (p *Pages) WithAudit(l *tlog.Log, verifierKey string) *Pages {
	p.auditLog, p.auditKey = l, verifierKey
	return p
}

func auditFilter(q url.Values) (tlog.Filter, error) {
	f := tlog.Filter{Actor: trim(q.Get("actor"), 64), Action: trim(q.Get("action"), 64), Object: trim(q.Get("object"), 128)}
	var err error
	if v := q.Get("from"); v != "" {
		if f.From, err = time.Parse("2006-01-02", v); err != nil {
			return f, err
		}
	}
	if v := q.Get("to"); v != "" {
		if f.To, err = time.Parse("2006-01-02", v); err != nil {
			return f, err
		}
		f.To = f.To.Add(24 * time.Hour)
	}
	if v := q.Get("page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > 10000 {
			return f, strconv.ErrRange
		}
		f.Offset = n * 100
	}
	f.Limit = 100
	return f, nil
}

func trim(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// auditConsole lets an auditor search the log; each row links to its proof.
func (p *Pages) auditConsole(w http.ResponseWriter, r *http.Request) {
	if p.requireSession(w, r) == nil {
		return
	}
	f, err := auditFilter(r.URL.Query())
	pg := p.newPage(w, r, "Audit log")
	if err != nil {
		pg.Error = "Dates are YYYY-MM-DD; pages are whole numbers."
		p.render(w, http.StatusBadRequest, "auditor.html", pg)
		return
	}
	entries, err := p.auditLog.Search(r.Context(), f)
	if err != nil {
		p.serverError(w, r, err)
		return
	}
	pg.Data = map[string]any{"Entries": entries, "Query": r.URL.Query(), "Export": "/audit/console/export?" + r.URL.RawQuery}
	p.render(w, http.StatusOK, "auditor.html", pg)
}

// auditProof downloads one entry's evidence bundle.
func (p *Pages) auditProof(w http.ResponseWriter, r *http.Request) {
	if p.requireSession(w, r) == nil {
		return
	}
	idx, err := strconv.ParseUint(r.PathValue("index"), 10, 63)
	if err != nil {
		p.notFound(w, r)
		return
	}
	b, err := p.auditLog.MakeBundle(r.Context(), idx, p.auditKey)
	if err != nil {
		p.notFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Disposition", `attachment; filename="audit-entry-`+strconv.FormatUint(idx, 10)+`.json"`)
	json.NewEncoder(w).Encode(b)
}

// auditExport downloads the filtered range as evidence bundles.
func (p *Pages) auditExport(w http.ResponseWriter, r *http.Request) {
	if p.requireSession(w, r) == nil {
		return
	}
	f, err := auditFilter(r.URL.Query())
	if err != nil {
		http.Error(w, "bad filter", http.StatusBadRequest)
		return
	}
	f.Limit = 1000
	entries, err := p.auditLog.Search(r.Context(), f)
	if err != nil {
		p.serverError(w, r, err)
		return
	}
	var out []*tlog.Bundle
	for _, e := range entries {
		b, err := p.auditLog.MakeBundle(r.Context(), uint64(e.Index), p.auditKey)
		if err != nil {
			continue // sequenced after the newest checkpoint: not provable yet
		}
		out = append(out, b)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Disposition", `attachment; filename="audit-export.json"`)
	json.NewEncoder(w).Encode(out)
}
