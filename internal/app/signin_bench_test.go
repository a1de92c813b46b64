package app_test

import (
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/citadel-store/citadel/internal/app"
	"github.com/citadel-store/citadel/internal/apptest"
	"github.com/citadel-store/citadel/internal/identity/password"
	"github.com/citadel-store/citadel/internal/store"
)

// BenchmarkSignIn200 signs in over HTTPS with production argon2id cost
// from 200 concurrent clients, and reports sign-ins per second, 429s, and
// the process's peak RSS (server and clients together: an upper bound).
//
//	go test -run XXX -bench SignIn200 -benchtime 400x ./internal/app/
func BenchmarkSignIn200(b *testing.B) {
	cfg := apptest.Config(b, store.SQLite)
	s := apptest.StartOptions(b, cfg, app.Options{PasswordParams: &password.Default})
	c := s.NewClient(nil)
	const email, pw = "bench@example.com", "violet otter ladder 42"
	signUp(b, s, c, email, pw)
	body := url.Values{"email": {email}, "password": {pw}}.Encode()
	var ok, busy, other atomic.Int64
	b.SetParallelism(100) // x GOMAXPROCS(2) = 200 clients
	b.ResetTimer()
	start := time.Now()
	var clientN atomic.Int64
	b.RunParallel(func(pb *testing.PB) {
		// Each client from its own loopback address, as 200 shoppers
		// would be: the per-source throttle is not what this measures.
		n := clientN.Add(1)
		cl := s.NewClient(nil)
		cl.Transport.(*http.Transport).DialContext = (&net.Dialer{
			LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 1, byte(n/250), byte(n%250+1))},
		}).DialContext
		for pb.Next() {
			req, _ := http.NewRequest("POST", s.URL+"/signin", strings.NewReader(body))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			// The CSRF pair: any valid token works when cookie and field match.
			req.Header.Set("Cookie", "__Host-csrf=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
			req.Body = nopCloser{strings.NewReader(body + "&csrf=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")}
			req.ContentLength = -1
			resp, err := cl.Do(req)
			switch {
			case err != nil:
				other.Add(1)
			case resp.StatusCode == http.StatusSeeOther:
				ok.Add(1)
			case resp.StatusCode == http.StatusTooManyRequests:
				busy.Add(1)
			default:
				other.Add(1)
			}
			if resp != nil {
				resp.Body.Close()
			}
		}
	})
	el := time.Since(start)
	b.ReportMetric(float64(ok.Load())/el.Seconds(), "signins/s")
	b.ReportMetric(float64(busy.Load()), "429s")
	b.ReportMetric(float64(other.Load()), "errors")
	b.ReportMetric(peakRSSMiB(), "peak-RSS-MiB")
}

type nopCloser struct{ *strings.Reader }

func (nopCloser) Close() error { return nil }

func peakRSSMiB() float64 {
	b, _ := os.ReadFile("/proc/self/status")
	for _, l := range strings.Split(string(b), "\n") {
		if f := strings.Fields(l); len(f) >= 2 && f[0] == "VmHWM:" {
			var kb float64
			for _, c := range f[1] {
				kb = kb*10 + float64(c-'0')
			}
			return kb / 1024
		}
	}
	return 0
}
