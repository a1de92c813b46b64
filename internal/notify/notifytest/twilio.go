package notifytest

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// InvalidNumber is a well-formed number the fake Twilio refuses with error
// 21211, as Twilio's test credentials do.
const InvalidNumber = "+15005550001"

// SMS is one message accepted by the fake Twilio.
type SMS struct {
	SID                 string
	To                  string
	From                string
	MessagingServiceSID string
	Body                string
}

// Twilio is a running fake of Twilio's Messages API on loopback. Give its
// URL, AccountSID, AuthToken and From to notify.TwilioConfig.
type Twilio struct {
	URL        string
	AccountSID string
	AuthToken  string
	From       string

	mu      sync.Mutex
	msgs    []SMS
	changed chan struct{}
}

// StartTwilio starts the fake with fresh random credentials and stops it
// when the test ends.
func StartTwilio(t testing.TB) *Twilio {
	t.Helper()
	s := &Twilio{
		AccountSID: "AC" + strings.ToLower(rand.Text()),
		AuthToken:  strings.ToLower(rand.Text()),
		From:       "+15005550006",
		changed:    make(chan struct{}),
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /2010-04-01/Accounts/{sid}/Messages.json", s.create)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	s.URL = srv.URL
	return s
}

// Messages returns what has been accepted so far, oldest first.
func (s *Twilio) Messages() []SMS {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]SMS(nil), s.msgs...)
}

// WaitFor returns the first message to the number to, waiting up to
// timeout; it fails the test otherwise.
func (s *Twilio) WaitFor(t testing.TB, to string, timeout time.Duration) SMS {
	t.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		s.mu.Lock()
		for _, m := range s.msgs {
			if m.To == to {
				s.mu.Unlock()
				return m
			}
		}
		ch := s.changed
		s.mu.Unlock()
		select {
		case <-ch:
		case <-deadline.C:
			t.Fatalf("notifytest: no SMS to %s within %s", to, timeout)
		}
	}
}

func twilioError(w http.ResponseWriter, status, code int, msg string) {
	writeJSON(w, status, map[string]any{
		"code":      code,
		"message":   msg,
		"more_info": fmt.Sprintf("https://www.twilio.com/docs/errors/%d", code),
		"status":    status,
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func (s *Twilio) create(w http.ResponseWriter, r *http.Request) {
	user, pass, ok := r.BasicAuth()
	if !ok || r.PathValue("sid") != user ||
		subtle.ConstantTimeCompare([]byte(user), []byte(s.AccountSID))&
			subtle.ConstantTimeCompare([]byte(pass), []byte(s.AuthToken)) != 1 {
		twilioError(w, http.StatusUnauthorized, 20003, "Authenticate")
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		twilioError(w, http.StatusBadRequest, 20001, "Invalid request body")
		return
	}
	m := SMS{
		To:                  r.PostForm.Get("To"),
		From:                r.PostForm.Get("From"),
		MessagingServiceSID: r.PostForm.Get("MessagingServiceSid"),
		Body:                r.PostForm.Get("Body"),
	}
	switch {
	case !plausibleE164(m.To) || m.To == InvalidNumber:
		twilioError(w, http.StatusBadRequest, 21211, fmt.Sprintf("Invalid 'To' Phone Number: %s", m.To))
		return
	case m.From == "" && m.MessagingServiceSID == "":
		twilioError(w, http.StatusBadRequest, 21603, "A 'From' phone number is required.")
		return
	case m.From != "" && m.From != s.From:
		twilioError(w, http.StatusBadRequest, 21606, "The From phone number is not a valid, SMS-capable inbound phone number or short code for your account.")
		return
	case m.Body == "":
		twilioError(w, http.StatusBadRequest, 21602, "Message body is required.")
		return
	}
	m.SID = "SM" + strings.ToLower(rand.Text())
	s.mu.Lock()
	s.msgs = append(s.msgs, m)
	close(s.changed)
	s.changed = make(chan struct{})
	s.mu.Unlock()
	writeJSON(w, http.StatusCreated, map[string]any{
		"sid":                   m.SID,
		"account_sid":           s.AccountSID,
		"to":                    m.To,
		"from":                  m.From,
		"messaging_service_sid": nilIfEmpty(m.MessagingServiceSID),
		"body":                  m.Body,
		"status":                "queued",
		"num_segments":          "1",
		"direction":             "outbound-api",
		"api_version":           "2010-04-01",
		"uri":                   "/2010-04-01/Accounts/" + s.AccountSID + "/Messages/" + m.SID + ".json",
	})
}

func plausibleE164(s string) bool {
	if len(s) < 9 || len(s) > 16 || s[0] != '+' {
		return false
	}
	for _, c := range s[1:] {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}
