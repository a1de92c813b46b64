package notify

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/citadel-store/citadel/internal/notify/notifytest"
)

func TestTwilioSendSMS(t *testing.T) {
	tests := []struct {
		name     string
		config   func(*TwilioConfig, *notifytest.Twilio)
		sms      SMS
		wantCode int // 0: delivered
		wantHTTP int
	}{
		{name: "success", sms: SMS{To: "+447700900123", Text: "Your Citadel code is 123456"}},
		{
			name:   "success/messaging-service",
			config: func(c *TwilioConfig, _ *notifytest.Twilio) { c.From = "MG0123456789abcdef" },
			sms:    SMS{To: "+447700900123", Text: "Your Citadel code is 123456"},
		},
		{
			name:     "fail/invalid-to",
			sms:      SMS{To: notifytest.InvalidNumber, Text: "code 1"},
			wantCode: 21211, wantHTTP: http.StatusBadRequest,
		},
		{
			name:     "fail/wrong-token",
			config:   func(c *TwilioConfig, _ *notifytest.Twilio) { c.AuthToken = "wrong-token-0123456789" },
			sms:      SMS{To: "+447700900123", Text: "code 1"},
			wantCode: 20003, wantHTTP: http.StatusUnauthorized,
		},
		{
			name:     "fail/other-account",
			config:   func(c *TwilioConfig, _ *notifytest.Twilio) { c.AccountSID = "AC0000" },
			sms:      SMS{To: "+447700900123", Text: "code 1"},
			wantCode: 20003, wantHTTP: http.StatusUnauthorized,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := notifytest.StartTwilio(t)
			cfg := TwilioConfig{BaseURL: srv.URL, AccountSID: srv.AccountSID, AuthToken: srv.AuthToken, From: srv.From}
			if tt.config != nil {
				tt.config(&cfg, srv)
			}
			tw, err := NewTwilio(cfg)
			if err != nil {
				t.Fatalf("NewTwilio: %v", err)
			}
			err = tw.SendSMS(context.Background(), tt.sms)
			if tt.wantCode == 0 {
				if err != nil {
					t.Fatalf("SendSMS: %v", err)
				}
				got := srv.WaitFor(t, tt.sms.To, time.Second)
				if got.Body != tt.sms.Text || (got.From == "") == (got.MessagingServiceSID == "") {
					t.Errorf("received %+v", got)
				}
				return
			}
			var te *TwilioError
			if !errors.As(err, &te) || te.Code != tt.wantCode || te.HTTPStatus != tt.wantHTTP || te.Message == "" {
				t.Fatalf("SendSMS = %v, want Twilio code %d", err, tt.wantCode)
			}
			if !errors.Is(err, ErrRejected) {
				t.Errorf("%v does not match ErrRejected", err)
			}
			for _, secret := range []string{srv.AuthToken, cfg.AuthToken} {
				if strings.Contains(err.Error(), secret) {
					t.Errorf("error leaks the auth token: %v", err)
				}
			}
			if n := len(srv.Messages()); n != 0 {
				t.Errorf("server accepted %d messages", n)
			}
		})
	}
}

func TestTwilioRefusesBeforeSending(t *testing.T) {
	srv := notifytest.StartTwilio(t)
	tw, err := NewTwilio(TwilioConfig{BaseURL: srv.URL, AccountSID: srv.AccountSID, AuthToken: srv.AuthToken, From: srv.From})
	if err != nil {
		t.Fatal(err)
	}
	bad := map[string]SMS{
		"fail/to-not-e164":     {To: "07700900123", Text: "x"},
		"fail/to-too-short":    {To: "+1234567", Text: "x"},
		"fail/to-too-long":     {To: "+1234567890123456", Text: "x"},
		"fail/to-letters":      {To: "+44770090012a", Text: "x"},
		"fail/text-empty":      {To: "+447700900123"},
		"fail/text-too-long":   {To: "+447700900123", Text: strings.Repeat("é", MaxSMSLen+1)},
		"fail/text-control":    {To: "+447700900123", Text: "a\x00b"},
		"fail/text-not-utf8":   {To: "+447700900123", Text: "\xff"},
		"fail/to-param-inject": {To: "+447700900123&To=+15551234567", Text: "x"},
	}
	for name, m := range bad {
		t.Run(name, func(t *testing.T) {
			if err := tw.SendSMS(context.Background(), m); !errors.Is(err, ErrInvalidMessage) {
				t.Fatalf("SendSMS = %v, want ErrInvalidMessage", err)
			}
		})
	}
	if n := len(srv.Messages()); n != 0 {
		t.Errorf("server accepted %d messages", n)
	}
	if err := tw.SendSMS(context.Background(), SMS{To: "+447700900123", Text: strings.Repeat("é", MaxSMSLen)}); err != nil {
		t.Errorf("text of exactly MaxSMSLen: %v", err)
	}
}

func TestTwilioConfig(t *testing.T) {
	good := TwilioConfig{AccountSID: "AC0123", AuthToken: "tok", From: "+15005550006"}
	tests := map[string]func(*TwilioConfig){
		"fail/http-to-non-loopback": func(c *TwilioConfig) { c.BaseURL = "http://api.twilio.com" },
		"fail/credentials-in-url":   func(c *TwilioConfig) { c.BaseURL = "https://u:p@api.twilio.com" },
		"fail/sid-path-injection":   func(c *TwilioConfig) { c.AccountSID = "AC../../x" },
		"fail/sid-not-account":      func(c *TwilioConfig) { c.AccountSID = "MG0123" },
		"fail/empty-token":          func(c *TwilioConfig) { c.AuthToken = "" },
		"fail/from-not-a-number":    func(c *TwilioConfig) { c.From = "Citadel" },
	}
	for name, mutate := range tests {
		t.Run(name, func(t *testing.T) {
			cfg := good
			mutate(&cfg)
			if _, err := NewTwilio(cfg); !errors.Is(err, ErrInvalidConfig) {
				t.Fatalf("NewTwilio = %v, want ErrInvalidConfig", err)
			}
		})
	}
	if _, err := NewTwilio(good); err != nil {
		t.Errorf("default BaseURL: %v", err)
	}
	good.AuthToken = "tw-secret-token"
	tw, err := NewTwilio(good)
	if err != nil {
		t.Fatal(err)
	}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s"} {
		for _, v := range []any{good, &good, tw, *tw, []any{tw}} {
			if s := fmt.Sprintf(verb, v); strings.Contains(s, good.AuthToken) {
				t.Errorf("%s of %T prints the token: %s", verb, v, s)
			}
		}
	}
}
