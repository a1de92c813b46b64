package evidence

import (
	"crypto/ed25519"
	"crypto/rand"
	"testing"
	"time"
)

// BenchmarkVerifyReceipt measures offline verification of a two-merchant
// receipt (about 1.6 KB session-attested, 3.7 KB with a passkey and two
// acceptances). Run with -cpu 1 for the per-core figure; Ed25519Verify
// is the floor: every receipt costs at least one such check.
func BenchmarkVerifyReceipt(b *testing.B) {
	g := loadGolden(b)
	session := newReceipt(b, AssuranceSession)
	passkey := newReceipt(b, AssurancePasskey)
	for _, bc := range []struct {
		name string
		file []byte
		pub  PublicKey
	}{
		{"session-attested", session.file, session.key.Public()},
		{"passkey-signed", passkey.file, passkey.key.Public()},
		{"passkey-signed+2-acceptances", g.files["receipt-passkey.json"], g.pub},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.SetBytes(int64(len(bc.file)))
			cpu := cpuTime()
			for b.Loop() {
				if _, err := VerifyReceipt(bc.file, bc.pub); err != nil {
					b.Fatal(err)
				}
			}
			reportRate(b, cpu, "verifications")
		})
	}
}

func BenchmarkSignReceipt(b *testing.B) {
	k := testKey(b)
	d := sampleDual(b, "chk_1")
	session := Consent{AccountID: "acc_buyer", Assurance: AssuranceSession, AuthLevel: AuthPasswordMFA, At: t0}
	passkey := PasskeyConsent("acc_buyer", newPasskey(b).sign(b, d.Hash, forge{}), t0)
	for _, bc := range []struct {
		name string
		c    Consent
	}{
		{"session-attested", session},
		{"passkey-signed", passkey}, // includes verifying the assertion first
	} {
		b.Run(bc.name, func(b *testing.B) {
			cpu := cpuTime()
			for b.Loop() {
				if _, err := k.SignReceipt(d, bc.c, t0.Add(time.Minute)); err != nil {
					b.Fatal(err)
				}
			}
			reportRate(b, cpu, "receipts")
		})
	}
}

// BenchmarkEd25519Verify is the floor VerifyReceipt cannot go below.
func BenchmarkEd25519Verify(b *testing.B) {
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	msg := make([]byte, 1500)
	sig := ed25519.Sign(priv, msg)
	cpu := cpuTime()
	for b.Loop() {
		if !ed25519.Verify(pub, msg, sig) {
			b.Fatal("no")
		}
	}
	reportRate(b, cpu, "verifications")
}

// reportRate reports operations per second of wall time and per second
// of CPU time since cpu0: with -cpu 1 the second is the rate one core
// gives when it is not shared.
func reportRate(b *testing.B, cpu0 time.Duration, what string) {
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), what+"/s")
	if cpu := cpuTime() - cpu0; cpu > 0 {
		b.ReportMetric(float64(b.N)/cpu.Seconds(), what+"/cpu-s")
	}
}

func BenchmarkParseCanonical(b *testing.B) {
	file := loadGolden(b).files["receipt-passkey.json"]
	b.SetBytes(int64(len(file)))
	for b.Loop() {
		if _, err := ParseCanonical(file); err != nil {
			b.Fatal(err)
		}
	}
}
