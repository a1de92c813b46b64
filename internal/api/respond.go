package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/citadel-store/citadel/internal/httpx"
)

// maxBody bounds every JSON request body.
const maxBody = 64 << 10

// apiError is a client error with a status, a stable code and a safe
// message.
type apiError struct {
	status  int
	code    string
	message string
	field   string // the request field at fault, "" for none
}

func (e *apiError) Error() string { return e.code + ": " + e.message }

func badRequest(code, format string, args ...any) *apiError {
	return &apiError{status: http.StatusBadRequest, code: code, message: fmt.Sprintf(format, args...)}
}

// decode reads exactly one JSON object into v: at most maxBody bytes,
// valid UTF-8, no unknown fields, nothing after it.
func decode(r *http.Request, v any) *apiError {
	body, e := readBody(r)
	if e != nil {
		return e
	}
	return decodeBytes(body, v)
}

// readBody is decode's reading half: the content type must be JSON (or
// unstated) and the body at most maxBody bytes. Handlers whose parser is
// also fuzzed call it, then the parser.
func readBody(r *http.Request) ([]byte, *apiError) {
	if ct := r.Header.Get("Content-Type"); ct != "" && ct != "application/json" && !bytes.HasPrefix([]byte(ct), []byte("application/json;")) {
		return nil, &apiError{status: http.StatusUnsupportedMediaType, code: "unsupported_media_type", message: "send application/json"}
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
	if err != nil {
		if httpx.IsTooLarge(err) {
			return nil, &apiError{status: http.StatusRequestEntityTooLarge, code: "too_large", message: "the request body is too large"}
		}
		return nil, badRequest("bad_body", "the request body could not be read")
	}
	if len(body) > maxBody {
		return nil, &apiError{status: http.StatusRequestEntityTooLarge, code: "too_large", message: fmt.Sprintf("the request body exceeds %d bytes", maxBody)}
	}
	return body, nil
}

// decodeBytes is decode's parser, apart so fuzz tests can reach it.
func decodeBytes(body []byte, v any) *apiError {
	if !utf8.Valid(body) {
		return badRequest("invalid_utf8", "the request body is not valid UTF-8")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var syn *json.SyntaxError
		var typ *json.UnmarshalTypeError
		switch {
		case errors.Is(err, io.EOF):
			return badRequest("malformed_json", "the request body is empty")
		case errors.As(err, &syn):
			return badRequest("malformed_json", "malformed JSON at byte %d", syn.Offset)
		case errors.As(err, &typ):
			field := typ.Field
			if len(field) > 100 { // a map key is part of it
				field = strings.ToValidUTF8(field[:100], "")
			}
			e := badRequest("invalid_field", "field %q must be a %s", field, typ.Type)
			e.field = field
			return e
		default:
			// Unknown fields and the like: the decoder's message names
			// the field, quoted, and nothing of ours.
			return badRequest("malformed_json", "%.200s", err.Error())
		}
	}
	if dec.More() {
		return badRequest("malformed_json", "unexpected data after the JSON object")
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return badRequest("malformed_json", "unexpected data after the JSON object")
	}
	return nil
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		httpx.WriteError(w, http.StatusInternalServerError, "internal", "internal error")
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(append(body, '\n'))
}

// writeAPIError answers e; an error about one field names it in
// "field", next to code and message.
func writeAPIError(w http.ResponseWriter, e *apiError) {
	if e.field != "" {
		writeFieldError(w, e)
		return
	}
	httpx.WriteError(w, e.status, e.code, e.message)
}

// internal logs the cause and answers 500 with only the request ID.
func (a *API) internal(w http.ResponseWriter, r *http.Request, err error) {
	id := httpx.RequestIDFrom(r.Context())
	a.log.Error("api", "err", err, "request_id", id, "path", r.URL.Path)
	httpx.WriteError(w, http.StatusInternalServerError, "internal", "internal error; request ID "+id)
}
