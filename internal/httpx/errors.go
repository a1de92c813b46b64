package httpx

import (
	"encoding/json"
	"net/http"
)

// errorBody is the one error shape of the JSON API:
//
//	{"error":{"code":"not_found","message":"no such order"}}
type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code      string `json:"code"`
	Message   string `json:"message"`
	RequestID string `json:"request_id,omitempty"`
}

// WriteError writes status and {"error":{"code":code,"message":message}} as
// application/json. code is a stable machine-readable token; message must be
// safe for the client to read: never an internal error's text.
func WriteError(w http.ResponseWriter, status int, code, message string) {
	writeError(w, status, code, message, "")
}

func writeError(w http.ResponseWriter, status int, code, message, requestID string) {
	body, err := json.Marshal(errorBody{Error: errorDetail{Code: code, Message: message, RequestID: requestID}})
	if err != nil {
		// Two strings cannot fail to marshal; keep the response well formed anyway.
		body = []byte(`{"error":{"code":"internal","message":"internal error"}}`)
	}
	h := w.Header()
	h.Del("Content-Length")
	h.Set("Content-Type", "application/json")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(append(body, '\n'))
}
