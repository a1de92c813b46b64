package notify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

const (
	twilioDefaultURL = "https://api.twilio.com"
	twilioTimeout    = 15 * time.Second
	twilioMaxBody    = 64 << 10
)

// TwilioConfig configures the Twilio SMS adapter. Print it freely: String
// redacts the auth token.
type TwilioConfig struct {
	BaseURL    string // default https://api.twilio.com; http only to loopback
	AccountSID string // "AC..."
	AuthToken  string // never logged
	From       string // an E.164 number, or a Messaging Service SID "MG..."
	Client     *http.Client
}

// String prints the configuration with the auth token redacted.
func (c TwilioConfig) String() string {
	tok := ""
	if c.AuthToken != "" {
		tok = "[redacted]"
	}
	return fmt.Sprintf("TwilioConfig{BaseURL:%q AccountSID:%q AuthToken:%s From:%q}",
		c.BaseURL, c.AccountSID, tok, c.From)
}

// GoString keeps %#v from printing the token.
func (c TwilioConfig) GoString() string { return c.String() }

// Twilio sends SMS through Twilio's Messages API.
type Twilio struct {
	endpoint string
	cfg      TwilioConfig
	client   http.Client
}

// TwilioError is Twilio's answer to a refused request. Message is
// Twilio's text; it never contains our credentials.
type TwilioError struct {
	HTTPStatus int
	Code       int    // Twilio error code, e.g. 21211 for an invalid To
	Message    string // truncated to 200 bytes
}

func (e *TwilioError) Error() string {
	return fmt.Sprintf("notify: twilio: HTTP %d, code %d: %s", e.HTTPStatus, e.Code, e.Message)
}

// Is makes a 4xx answer match ErrRejected: the same request will fail
// again. 429 and 5xx are worth retrying later and do not match.
func (e *TwilioError) Is(target error) bool {
	return target == ErrRejected && e.HTTPStatus >= 400 && e.HTTPStatus < 500 && e.HTTPStatus != http.StatusTooManyRequests
}

// String describes the sender without its token; without it, %v of a
// *Twilio would print the unexported config, token included.
func (t Twilio) String() string { return "notify.Twilio(" + t.cfg.String() + ")" }

// GoString is String, for %#v.
func (t Twilio) GoString() string { return t.String() }

// NewTwilio validates cfg. It does not connect.
func NewTwilio(cfg TwilioConfig) (*Twilio, error) {
	if cfg.BaseURL == "" {
		cfg.BaseURL = twilioDefaultURL
	}
	u, err := url.Parse(cfg.BaseURL)
	if err != nil || u.Host == "" || u.User != nil || u.RawQuery != "" ||
		!(u.Scheme == "https" || (u.Scheme == "http" && isLoopback(u.Hostname()))) {
		return nil, fmt.Errorf("%w: Twilio BaseURL must be https (http only to loopback)", ErrInvalidConfig)
	}
	if !strings.HasPrefix(cfg.AccountSID, "AC") || !isAlnum(cfg.AccountSID) || len(cfg.AccountSID) > 64 {
		return nil, fmt.Errorf("%w: Twilio AccountSID must be AC followed by letters and digits", ErrInvalidConfig)
	}
	if cfg.AuthToken == "" {
		return nil, fmt.Errorf("%w: Twilio AuthToken is empty", ErrInvalidConfig)
	}
	if !isE164(cfg.From) && !(strings.HasPrefix(cfg.From, "MG") && isAlnum(cfg.From)) {
		return nil, fmt.Errorf("%w: Twilio From must be an E.164 number or a Messaging Service SID", ErrInvalidConfig)
	}
	t := &Twilio{
		endpoint: strings.TrimRight(u.String(), "/") + "/2010-04-01/Accounts/" + cfg.AccountSID + "/Messages.json",
		cfg:      cfg,
	}
	if cfg.Client != nil {
		t.client = *cfg.Client
	}
	// A redirect would resend the form, and maybe the credentials,
	// somewhere we did not configure.
	t.client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return t, nil
}

// SendSMS posts m to Twilio. Errors wrap ErrInvalidMessage (m refused
// before sending), or are a *TwilioError carrying Twilio's code and
// message, or a transport error.
func (t *Twilio) SendSMS(ctx context.Context, m SMS) error {
	if err := m.Validate(); err != nil {
		return err
	}
	form := url.Values{"To": {m.To}, "Body": {m.Text}}
	if isE164(t.cfg.From) {
		form.Set("From", t.cfg.From)
	} else {
		form.Set("MessagingServiceSid", t.cfg.From)
	}
	ctx, cancel := context.WithTimeout(ctx, twilioTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, t.endpoint, strings.NewReader(form.Encode()))
	if err != nil {
		return fmt.Errorf("notify: twilio: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	req.SetBasicAuth(t.cfg.AccountSID, t.cfg.AuthToken)

	resp, err := t.client.Do(req)
	if err != nil {
		return fmt.Errorf("notify: twilio: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, twilioMaxBody+1))
	if err != nil {
		return fmt.Errorf("notify: twilio: reading response: %w", err)
	}
	if len(body) > twilioMaxBody {
		return fmt.Errorf("notify: twilio: response larger than %d bytes", twilioMaxBody)
	}
	if resp.StatusCode != http.StatusCreated {
		return twilioFailure(resp.StatusCode, body)
	}
	var ok struct {
		SID    string `json:"sid"`
		Status string `json:"status"`
	}
	if err := json.Unmarshal(body, &ok); err != nil || ok.SID == "" {
		return errors.New("notify: twilio: 201 without a message sid")
	}
	if ok.Status == "failed" || ok.Status == "undelivered" {
		return fmt.Errorf("notify: twilio: message %s %s", ok.SID, ok.Status)
	}
	return nil
}

func twilioFailure(status int, body []byte) error {
	var e struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	}
	_ = json.Unmarshal(body, &e) // a non-JSON error page still yields the status
	msg := e.Message
	if len(msg) > 200 {
		msg = msg[:200]
	}
	// The text ends up in logs; keep it one clean line.
	msg = strings.Map(func(r rune) rune {
		if r < ' ' || r == 0x7f {
			return -1
		}
		return r
	}, strings.ToValidUTF8(msg, ""))
	return &TwilioError{HTTPStatus: status, Code: e.Code, Message: msg}
}

func isAlnum(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9') {
			return false
		}
	}
	return s != ""
}
