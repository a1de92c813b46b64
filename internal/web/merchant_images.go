package web

import (
	"bytes"
	"encoding/hex"
	"io"
	"net/http"
	"time"

	"github.com/citadel-store/citadel/internal/httpx"
)

// boMaxUpload bounds an image upload request, multipart framing
// included, whatever the server-wide body limit is. It equals the
// server's default limit, so the page can say what fits; the catalog's
// own bound on an image (catalog.MaxImageBytes) is larger.
const (
	boMaxUpload       = 1 << 20
	boUploadLimitText = "1 MiB"
)

// boImageUpload adds one image to a product. The file's declared
// content type is never read: the catalog names the type from the bytes
// and refuses anything but PNG, JPEG and WebP.
func (p *Pages) boImageUpload(w http.ResponseWriter, r *http.Request, mc boCtx) {
	r.Body = http.MaxBytesReader(w, r.Body, boMaxUpload)
	// With maxMemory at the body limit, no part is spooled to disk.
	err := r.ParseMultipartForm(boMaxUpload)
	if r.MultipartForm != nil {
		defer r.MultipartForm.RemoveAll()
	}
	switch {
	case httpx.IsTooLarge(err):
		p.boUploadRefused(w, r, mc, http.StatusRequestEntityTooLarge,
			"Image: the file is larger than "+boUploadLimitText+". Make it smaller and try again.")
		return
	case err != nil:
		p.boUploadRefused(w, r, mc, http.StatusBadRequest, "Image: choose a file to upload.")
		return
	}
	if !httpx.CheckCSRF(r) {
		p.render(w, http.StatusForbidden, "error.html", &page{Title: "Form expired",
			Error: "This form expired or did not come from this site. Go back, reload the page and try again."})
		return
	}
	files := r.MultipartForm.File["image"]
	if len(files) != 1 {
		p.boUploadRefused(w, r, mc, http.StatusUnprocessableEntity, "Image: choose one file to upload.")
		return
	}
	f, err := files[0].Open()
	if err != nil {
		p.serverError(w, r, err)
		return
	}
	defer f.Close()
	data, err := io.ReadAll(f)
	if err != nil {
		p.serverError(w, r, err)
		return
	}
	_, err = p.catalog.AddImage(r.Context(), mc.merchantID, r.PathValue("id"), data)
	p.boAfterProductChange(w, r, mc, err, nil, nil)
}

// boUploadRefused re-shows the product's page with why the upload failed;
// another merchant's product is a 404 first.
func (p *Pages) boUploadRefused(w http.ResponseWriter, r *http.Request, mc boCtx, status int, msg string) {
	if prod, ok := p.boLoadProduct(w, r, mc); ok {
		p.boRenderProduct(w, r, mc, prod, status, msg, nil, nil)
	}
}

// boImage serves an image of the merchant's own product, archived
// or not, for the back office's thumbnails.
func (p *Pages) boImage(w http.ResponseWriter, r *http.Request, mc boCtx) {
	im, err := p.catalog.MerchantImage(r.Context(), mc.merchantID, r.PathValue("image"))
	switch {
	case boNotFound(err), err == nil && im.ProductID != r.PathValue("id"):
		p.notFound(w, r)
		return
	case err != nil:
		p.serverError(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", im.ContentType) // found from the bytes at upload
	h.Set("Cache-Control", "private, max-age=3600")
	h.Set("ETag", `"`+hex.EncodeToString(im.SHA256[:16])+`"`)
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(im.Data))
}

func (p *Pages) boImageRemove(w http.ResponseWriter, r *http.Request, mc boCtx) {
	if !p.parseForm(w, r) {
		return
	}
	err := p.catalog.RemoveImage(r.Context(), mc.merchantID, r.PathValue("id"), r.PathValue("image"))
	p.boAfterProductChange(w, r, mc, err, nil, nil)
}
