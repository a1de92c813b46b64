package app_test

import (
	"context"
	"crypto/tls"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/citadel-store/citadel/internal/apptest"
	"github.com/citadel-store/citadel/internal/store"
)

func clientFrom(s *apptest.Server, ip string) *http.Client {
	c := s.NewClient(nil)
	c.Transport.(*http.Transport).DialContext = (&net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}}).DialContext
	return c
}

// A burst of sign-in posts from one address gets 429 with Retry-After;
// another address is not affected.
func TestSignInRateLimit(t *testing.T) {
	s := apptest.StartEngine(t, store.SQLite)
	c := clientFrom(s, "127.0.0.3")
	var limited *http.Response
	for i := 0; i < 100 && limited == nil; i++ {
		resp, err := c.Post(s.URL+"/signin", "application/x-www-form-urlencoded", strings.NewReader("email=a%40example.com&password=x"))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode == http.StatusTooManyRequests {
			limited = resp
		}
	}
	if limited == nil || limited.Header.Get("Retry-After") == "" {
		t.Fatal("100 sign-in posts from one address were never limited")
	}
	resp, err := clientFrom(s, "127.0.0.4").Get(s.URL + "/signin")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("another address: %d", resp.StatusCode)
	}
}

// 1,000 slow connections from one address (127.0.0.2, never finishing a
// request) do not stop ordinary requests from another (127.0.0.1), each
// answered within a second.
func TestSlowConnectionsDoNotStarve(t *testing.T) {
	s := apptest.StartEngine(t, store.SQLite)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var wg sync.WaitGroup
	var mu sync.Mutex
	var conns []net.Conn
	for range 1000 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP("127.0.0.2")}, Timeout: 2 * time.Second}
			c, err := d.DialContext(ctx, "tcp", s.Addr())
			if err != nil {
				return
			}
			// Start a TLS handshake's first bytes, then go quiet.
			c.Write([]byte{0x16, 0x03, 0x01})
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}()
	}
	wg.Wait()
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	c := s.NewClient(&tls.Config{RootCAs: s.CA().Pool()})
	for i := range 20 {
		start := time.Now()
		resp, err := c.Get(s.URL + "/healthz")
		if err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
		resp.Body.Close()
		if d := time.Since(start); resp.StatusCode != 200 || d > time.Second {
			t.Fatalf("request %d: %d after %s", i, resp.StatusCode, d)
		}
	}
}
