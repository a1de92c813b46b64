// Package web serves Citadel's HTML pages: server-rendered html/template,
// static files embedded in the binary, no inline script.
package web

import (
	"embed"
	"html/template"
	"io/fs"
	"net/http"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Pages holds the parsed templates.
type Pages struct {
	tmpl *template.Template
}

// New parses the embedded templates; a template error is a build defect,
// so it panics at start, never at request time.
func New() *Pages {
	return &Pages{tmpl: template.Must(template.ParseFS(templateFS, "templates/*.html"))}
}

// Routes registers the HTML surface.
func (p *Pages) Routes(mux *http.ServeMux) {
	static, _ := fs.Sub(staticFS, "static")
	mux.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(static)))
	mux.HandleFunc("GET /{$}", p.home)
	mux.HandleFunc("/", p.notFound)
}

func (p *Pages) home(w http.ResponseWriter, r *http.Request) {
	p.render(w, http.StatusOK, "home.html", nil)
}

func (p *Pages) notFound(w http.ResponseWriter, r *http.Request) {
	p.render(w, http.StatusNotFound, "notfound.html", nil)
}

func (p *Pages) render(w http.ResponseWriter, status int, name string, data any) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_ = p.tmpl.ExecuteTemplate(w, name, data)
}
