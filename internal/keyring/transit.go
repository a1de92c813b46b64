package keyring

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"
)

// TransitConfig names a key in the transit secrets engine of HashiCorp
// Vault or OpenBao, which then holds the master key: Citadel sends it data
// keys to encrypt and decrypt and never sees the master key itself.
//
// The key must be created with derived=true (vault write -f
// transit/keys/citadel derived=true): Citadel passes the associated data
// of every wrapped key as the transit "context", and only a derived key
// binds its ciphertext to the context, so a wrapped key copied to another
// class, version or subject does not decrypt. A non-derived key makes
// Vault reject the context with a 400 error.
//
// The token needs the policy
//
//	path "transit/encrypt/citadel" { capabilities = ["update"] }
//	path "transit/decrypt/citadel" { capabilities = ["update"] }
type TransitConfig struct {
	Addr    string       // https://vault.example:8200; http only on loopback
	Token   string       // sent as X-Vault-Token; never printed (see String)
	KeyName string       // the transit key's name
	Mount   string       // where the engine is mounted; default "transit"
	Client  *http.Client // optional; redirects are refused either way
}

// String describes the configuration without the token.
func (c TransitConfig) String() string {
	return fmt.Sprintf("transit{addr=%s mount=%s key=%s token=[redacted]}", c.Addr, c.Mount, c.KeyName)
}

// GoString keeps the token out of %#v as well.
func (c TransitConfig) GoString() string { return c.String() }

// ErrTransitAuth means Vault refused the token (HTTP 403): it is wrong,
// expired, or its policy lacks the key's encrypt and decrypt paths. The
// operator must issue a valid token; retrying does not help.
var ErrTransitAuth = errors.New("keyring: transit refused the token (wrong, expired, or missing policy for the key)")

const (
	transitMaxResponse = 64 << 10
	transitTimeout     = 10 * time.Second
)

// Key names are one path segment; a mount may have several.
var (
	transitKey   = regexp.MustCompile(`^[A-Za-z0-9_-][A-Za-z0-9_.-]*$`)
	transitMount = regexp.MustCompile(`^[A-Za-z0-9_-][A-Za-z0-9_.-]*(/[A-Za-z0-9_-][A-Za-z0-9_.-]*)*$`)
)

type transitMaster struct {
	base   string // {addr}/v1/{mount}
	key    string
	token  string
	id     string
	client *http.Client
}

// NewTransitMaster checks cfg and returns a Master backed by the transit
// key. It does not contact Vault: the first Wrap or Unwrap does.
func NewTransitMaster(cfg TransitConfig) (Master, error) {
	if cfg.Mount == "" {
		cfg.Mount = "transit"
	}
	u, err := url.Parse(cfg.Addr)
	if err != nil || u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.User != nil {
		return nil, fmt.Errorf("keyring: transit address %q: want https://host[:port]", cfg.Addr)
	}
	switch {
	case u.Scheme == "https":
	case u.Scheme == "http" && isLoopback(u.Hostname()):
	default:
		return nil, fmt.Errorf("keyring: transit address %q: the token and keys need https (http only on loopback)", cfg.Addr)
	}
	if cfg.Token == "" {
		return nil, errors.New("keyring: transit needs a token")
	}
	if !transitKey.MatchString(cfg.KeyName) || !transitMount.MatchString(cfg.Mount) {
		return nil, fmt.Errorf("keyring: transit key %q or mount %q: letters, digits, '_', '-', '.' only", cfg.KeyName, cfg.Mount)
	}
	client := &http.Client{Timeout: transitTimeout}
	if cfg.Client != nil {
		c := *cfg.Client
		client = &c
	}
	// Go forwards custom headers such as X-Vault-Token on redirects, even
	// to another host: never follow one.
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &transitMaster{
		base:   strings.TrimSuffix(u.String(), "/") + "/v1/" + cfg.Mount,
		key:    cfg.KeyName,
		token:  cfg.Token,
		id:     "transit:" + cfg.Mount + "/" + cfg.KeyName,
		client: client,
	}, nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func (m *transitMaster) ID() string { return m.id }

func (m *transitMaster) Wrap(ctx context.Context, key, ad []byte) ([]byte, error) {
	var out struct {
		Ciphertext string `json:"ciphertext"`
	}
	err := m.call(ctx, "encrypt", map[string]string{
		"plaintext": base64.StdEncoding.EncodeToString(key),
		"context":   base64.StdEncoding.EncodeToString(ad),
	}, &out)
	if err != nil {
		return nil, err
	}
	if !strings.HasPrefix(out.Ciphertext, "vault:v") {
		return nil, errors.New("keyring: transit encrypt returned no ciphertext")
	}
	return []byte(out.Ciphertext), nil
}

func (m *transitMaster) Unwrap(ctx context.Context, wrapped, ad []byte) ([]byte, error) {
	if !bytes.HasPrefix(wrapped, []byte("vault:v")) {
		return nil, fmt.Errorf("%w: the key was not wrapped by transit", ErrMasterKey)
	}
	var out struct {
		Plaintext string `json:"plaintext"`
	}
	err := m.call(ctx, "decrypt", map[string]string{
		"ciphertext": string(wrapped),
		"context":    base64.StdEncoding.EncodeToString(ad),
	}, &out)
	if err != nil {
		return nil, err
	}
	key, err := base64.StdEncoding.DecodeString(out.Plaintext)
	if err != nil || len(key) == 0 {
		return nil, errors.New("keyring: transit decrypt returned no plaintext")
	}
	return key, nil
}

// call POSTs body to {base}/{op}/{key} and decodes the response's "data".
func (m *transitMaster) call(ctx context.Context, op string, body any, data any) error {
	ctx, cancel := context.WithTimeout(ctx, transitTimeout)
	defer cancel()
	b, err := json.Marshal(body)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, m.base+"/"+op+"/"+m.key, bytes.NewReader(b))
	if err != nil {
		return err
	}
	req.Header.Set("X-Vault-Token", m.token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := m.client.Do(req)
	if err != nil {
		return fmt.Errorf("keyring: transit %s: %w", op, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, transitMaxResponse+1))
	if err != nil {
		return fmt.Errorf("keyring: transit %s: %w", op, err)
	}
	if len(raw) > transitMaxResponse {
		return fmt.Errorf("keyring: transit %s: response over %d bytes", op, transitMaxResponse)
	}
	var env struct {
		Data   json.RawMessage `json:"data"`
		Errors []string        `json:"errors"`
	}
	_ = json.Unmarshal(raw, &env) // an unparsable body leaves env empty
	msg := "no error message"
	if len(env.Errors) > 0 {
		msg = truncate(strings.Join(env.Errors, "; "), 200)
	}
	switch {
	case resp.StatusCode == http.StatusForbidden:
		return fmt.Errorf("%w (%s %s: %s)", ErrTransitAuth, op, m.id, msg)
	case resp.StatusCode == http.StatusBadRequest && op == "decrypt":
		return fmt.Errorf("%w (transit: %s)", ErrMasterKey, msg)
	case resp.StatusCode != http.StatusOK:
		return fmt.Errorf("keyring: transit %s %s: HTTP %d: %s", op, m.id, resp.StatusCode, msg)
	}
	if len(env.Data) == 0 || json.Unmarshal(env.Data, data) != nil {
		return fmt.Errorf("keyring: transit %s: malformed response", op)
	}
	return nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
