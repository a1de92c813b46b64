// Package config holds Citadel's typed configuration: read from flags and
// CITADEL_* environment variables (a flag wins over its variable), checked
// once at start, and printed only in redacted form.
package config

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Serve is the configuration of `citadel serve`.
type Serve struct {
	Data      string   // data directory: SQLite file, CA, keys
	DB        string   // "" = SQLite in Data; or postgres://...
	Addr      string   // HTTPS listener
	HTTPAddr  string   // plain-HTTP listener that only redirects; "" disables
	AdminAddr string   // admin listener (metrics, staff pages); "" disables
	Hostnames []string // extra names for the generated server certificate
	TLSCert   string   // operator's own certificate (PEM, chain) ...
	TLSKey    string   // ... and key; both or neither
	Demo      bool

	MaxHeaderBytes  int
	MaxBodyBytes    int64
	ShutdownTimeout time.Duration
	LogLevel        string

	// Mail: SMTP when SMTPAddr is set, else a file outbox in the data
	// directory (development).
	SMTPAddr     string
	SMTPFrom     string
	SMTPUser     string
	SMTPPassword Secret
	// Text messages through Twilio's API when TwilioSID is set
	// (CITADEL_TWILIO_ACCOUNT_SID, _AUTH_TOKEN, _FROM, _URL), else a file
	// outbox in the data directory.
	TwilioSID, TwilioFrom, TwilioURL string
	TwilioToken                      Secret
	// Scheduled backups: every BackupEvery into BackupDir (off when
	// BackupEvery is 0), keeping BackupDaily daily and BackupWeekly weekly,
	// encrypted to BackupRecipient (an age X25519 public key) or to
	// CITADEL_BACKUP_PASSPHRASE.
	BackupDir        string
	BackupEvery      time.Duration
	BackupDaily      int
	BackupWeekly     int
	BackupRecipient  string
	BackupPassphrase Secret
	// RedisURL shares rate limits and blocks between nodes (redis://...).
	RedisURL string
	// AdminAllow lists the networks that may reach the admin listener;
	// AdminClientCert also requires a valid, unrevoked client certificate
	// from the CA there.
	AdminAllow      []netip.Prefix
	AdminClientCert bool
	// WAF: off, detect or block, at a CRS paranoia level 1 to 4.
	WAFMode     string
	WAFParanoia int
	// AuthMemory bounds the memory password hashing may take at once.
	AuthMemory int64
	// PaymentTTL is how long an unpaid order holds its stock.
	PaymentTTL time.Duration
	// EscrowRelease is how long after delivery the buyer may dispute
	// before escrow pays the merchant; PlatformFeeBPS is the platform's
	// fee at release in basis points (500 is 5 %; 0 or -1 for none).
	EscrowRelease  time.Duration
	PlatformFeeBPS int64
	// MemoryLimit is the Go runtime's soft memory limit (MiB): the garbage
	// collector works harder as the heap nears it.
	MemoryLimit int64

	// CAPassphrase comes only from the environment (CITADEL_CA_PASSPHRASE):
	// a flag would show in the process list.
	CAPassphrase Secret

	MasterKeyFile string
	MasterKey     Secret
	VaultAddr     string
	VaultToken    Secret
	VaultKey      string
}

// Secret is a string that never prints.
type Secret string

func (Secret) String() string   { return "[redacted]" }
func (Secret) GoString() string { return "[redacted]" }

// Common flags shared by every subcommand that opens the data directory.
type Common struct {
	Data string
	DB   string
	// MasterKeyFile holds the keyring's master key; default
	// <data>/master.key, generated at first start. MasterKey (environment
	// only, CITADEL_MASTER_KEY) takes precedence.
	MasterKeyFile string
	MasterKey     Secret
	// VaultAddr, VaultToken and VaultKey select a Vault/OpenBao transit
	// key as the master key (environment only: CITADEL_VAULT_ADDR,
	// CITADEL_VAULT_TOKEN, CITADEL_VAULT_KEY).
	VaultAddr  string
	VaultToken Secret
	VaultKey   string
}

// ErrUsage marks a mistake in how a command was called (a bad flag or
// value): the command exits with status 2.
var ErrUsage = errors.New("usage")

type usageError struct{ err error }

func (e usageError) Error() string   { return e.err.Error() }
func (e usageError) Unwrap() []error { return []error{ErrUsage, e.err} }

// Usage marks err as a usage error (errors.Is(err, ErrUsage) holds).
func Usage(err error) error {
	if err == nil || errors.Is(err, flag.ErrHelp) {
		return err
	}
	return usageError{err}
}

// bindCommon registers --data and --db.
func bindCommon(fs *flag.FlagSet, c *Common, env func(string) string) {
	fs.StringVar(&c.Data, "data", envOr(env, "CITADEL_DATA", "./citadel-data"), "data directory (env CITADEL_DATA)")
	fs.StringVar(&c.DB, "db", env("CITADEL_DB"), "database: empty for SQLite in the data directory, or postgres://... (env CITADEL_DB)")
	fs.StringVar(&c.MasterKeyFile, "master-key-file", env("CITADEL_MASTER_KEY_FILE"), "file holding the master key (mode 0600); default <data>/master.key (env CITADEL_MASTER_KEY_FILE)")
	c.MasterKey = Secret(env("CITADEL_MASTER_KEY"))
	c.VaultAddr, c.VaultToken, c.VaultKey = env("CITADEL_VAULT_ADDR"), Secret(env("CITADEL_VAULT_TOKEN")), envOr(env, "CITADEL_VAULT_KEY", "citadel")
}

// MasterKeyPath is where the master key file is.
func (c Common) MasterKeyPath() string {
	if c.MasterKeyFile != "" {
		return c.MasterKeyFile
	}
	return filepath.Join(c.Data, "master.key")
}

// ParseCommon parses the flags of a subcommand that needs only the data
// directory and database (migrate, ca, ...), plus any extra flags the
// caller registered on fs. Flags may come before or after positional
// arguments, which it returns in order.
func ParseCommon(fs *flag.FlagSet, args []string, env func(string) string) (Common, []string, error) {
	var c Common
	bindCommon(fs, &c, env)
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return c, nil, Usage(err)
		}
		if fs.NArg() == 0 {
			break
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
	return c, pos, Usage(c.validate())
}

func (c *Common) validate() error {
	if strings.TrimSpace(c.Data) == "" {
		return errors.New("--data: empty data directory")
	}
	if c.DB != "" && !strings.HasPrefix(c.DB, "postgres://") && !strings.HasPrefix(c.DB, "postgresql://") {
		return errors.New("--db: want empty (SQLite) or a postgres:// URL")
	}
	return nil
}

// DSN is the database to open: the --db URL, or the SQLite file in Data.
func (c Common) DSN() string {
	if c.DB != "" {
		return c.DB
	}
	return filepath.Join(c.Data, "citadel.db")
}

// ParseServe reads serve's flags and environment and validates them.
func ParseServe(args []string, env func(string) string, out io.Writer) (Serve, error) {
	var s Serve
	var c Common
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(out)
	bindCommon(fs, &c, env)
	fs.StringVar(&s.Addr, "addr", envOr(env, "CITADEL_ADDR", "127.0.0.1:8443"), "HTTPS address (env CITADEL_ADDR)")
	fs.StringVar(&s.HTTPAddr, "http-addr", envOr(env, "CITADEL_HTTP_ADDR", "127.0.0.1:8080"), "plain-HTTP address that redirects to HTTPS; empty disables (env CITADEL_HTTP_ADDR)")
	fs.StringVar(&s.AdminAddr, "admin-addr", envOr(env, "CITADEL_ADMIN_ADDR", "127.0.0.1:9090"), "admin address: /metrics and staff pages; empty disables (env CITADEL_ADMIN_ADDR)")
	hostnames := envOr(env, "CITADEL_HOSTNAME", "")
	fs.Func("hostname", "extra name for the generated server certificate; repeatable or comma-separated (env CITADEL_HOSTNAME)", func(v string) error {
		hostnames += "," + v
		return nil
	})
	fs.StringVar(&s.TLSCert, "tls-cert", env("CITADEL_TLS_CERT"), "your own server certificate chain (PEM) instead of the built-in CA's (env CITADEL_TLS_CERT)")
	fs.StringVar(&s.TLSKey, "tls-key", env("CITADEL_TLS_KEY"), "the key of --tls-cert (PEM) (env CITADEL_TLS_KEY)")
	fs.BoolVar(&s.Demo, "demo", false, "load demo data and print the demo accounts")
	fs.StringVar(&s.SMTPAddr, "smtp-addr", env("CITADEL_SMTP_ADDR"), "SMTP server host:port for outgoing mail; empty writes mail to <data>/outbox (env CITADEL_SMTP_ADDR)")
	fs.StringVar(&s.SMTPFrom, "smtp-from", envOr(env, "CITADEL_SMTP_FROM", "Citadel <no-reply@localhost>"), "sender address (env CITADEL_SMTP_FROM)")
	fs.StringVar(&s.SMTPUser, "smtp-user", env("CITADEL_SMTP_USER"), "SMTP user; the password comes from CITADEL_SMTP_PASSWORD (env CITADEL_SMTP_USER)")
	s.SMTPPassword = Secret(env("CITADEL_SMTP_PASSWORD"))
	s.TwilioSID, s.TwilioFrom, s.TwilioURL = env("CITADEL_TWILIO_ACCOUNT_SID"), env("CITADEL_TWILIO_FROM"), env("CITADEL_TWILIO_URL")
	s.TwilioToken = Secret(env("CITADEL_TWILIO_AUTH_TOKEN"))
	authMem, err := envInt(env, "CITADEL_AUTH_MEMORY_MB", 256)
	if err != nil {
		return s, Usage(err)
	}
	fs.Int64Var(&s.AuthMemory, "auth-memory-mb", int64(authMem), "memory (MiB) password hashing may use at once; more sign-ins wait or get 429")
	fs.StringVar(&s.BackupDir, "backup-dir", env("CITADEL_BACKUP_DIR"), "directory for scheduled backups; default <data>/backups (env CITADEL_BACKUP_DIR)")
	backupEvery := envOr(env, "CITADEL_BACKUP_EVERY", "0")
	fs.Func("backup-every", "take a backup this often, e.g. 24h; 0 disables (env CITADEL_BACKUP_EVERY)", func(v string) error {
		backupEvery = v
		return nil
	})
	fs.IntVar(&s.BackupDaily, "backup-keep-daily", 7, "daily scheduled backups to keep")
	fs.IntVar(&s.BackupWeekly, "backup-keep-weekly", 4, "weekly (Sunday) scheduled backups to keep")
	fs.StringVar(&s.BackupRecipient, "backup-recipient", env("CITADEL_BACKUP_RECIPIENT"), "age X25519 public key scheduled backups are encrypted to (env CITADEL_BACKUP_RECIPIENT)")
	s.BackupPassphrase = Secret(env("CITADEL_BACKUP_PASSPHRASE"))
	fs.StringVar(&s.RedisURL, "redis", env("CITADEL_REDIS"), "redis://host:port/db to share rate limits and blocks between nodes (env CITADEL_REDIS)")
	adminAllow := envOr(env, "CITADEL_ADMIN_ALLOW", "127.0.0.0/8,::1/128")
	fs.StringVar(&adminAllow, "admin-allow", adminAllow, "networks allowed on the admin listener, comma-separated CIDRs (env CITADEL_ADMIN_ALLOW)")
	fs.BoolVar(&s.AdminClientCert, "admin-client-cert", env("CITADEL_ADMIN_CLIENT_CERT") == "1", "require a client certificate from the CA on the admin listener (env CITADEL_ADMIN_CLIENT_CERT=1)")
	fs.StringVar(&s.WAFMode, "waf", envOr(env, "CITADEL_WAF", "block"), "web application firewall: off, detect or block (env CITADEL_WAF)")
	paranoia, err := envInt(env, "CITADEL_WAF_PARANOIA", 1)
	if err != nil {
		return s, Usage(err)
	}
	fs.IntVar(&s.WAFParanoia, "waf-paranoia", paranoia, "OWASP CRS paranoia level, 1 to 4 (env CITADEL_WAF_PARANOIA)")
	memLimit, err := envInt(env, "CITADEL_MEMORY_LIMIT_MB", 512)
	if err != nil {
		return s, Usage(err)
	}
	fs.Int64Var(&s.MemoryLimit, "memory-limit-mb", int64(memLimit), "soft memory limit of the process (MiB); 0 leaves the Go default")
	fs.StringVar(&s.LogLevel, "log-level", envOr(env, "CITADEL_LOG_LEVEL", "info"), "debug, info, warn or error (env CITADEL_LOG_LEVEL)")
	s.MaxHeaderBytes, err = envInt(env, "CITADEL_MAX_HEADER_BYTES", 32<<10)
	if err != nil {
		return s, Usage(err)
	}
	fs.IntVar(&s.MaxHeaderBytes, "max-header-bytes", s.MaxHeaderBytes, "largest request header block accepted")
	maxBody, err := envInt(env, "CITADEL_MAX_BODY_BYTES", 1<<20)
	if err != nil {
		return s, Usage(err)
	}
	fs.Int64Var(&s.MaxBodyBytes, "max-body-bytes", int64(maxBody), "largest request body accepted")
	paymentTTL, err := envDuration(env, "CITADEL_PAYMENT_TTL", 30*time.Minute)
	if err != nil {
		return s, Usage(err)
	}
	fs.DurationVar(&s.PaymentTTL, "payment-ttl", paymentTTL, "how long an unpaid order holds its stock before it is cancelled (env CITADEL_PAYMENT_TTL)")
	release, err := envDuration(env, "CITADEL_ESCROW_RELEASE", 10*24*time.Hour)
	if err != nil {
		return s, Usage(err)
	}
	fs.DurationVar(&s.EscrowRelease, "escrow-release", release, "how long after delivery a buyer may dispute before escrow pays the merchant (env CITADEL_ESCROW_RELEASE)")
	fee, err := envInt(env, "CITADEL_PLATFORM_FEE_BPS", 500)
	if err != nil {
		return s, Usage(err)
	}
	fs.Int64Var(&s.PlatformFeeBPS, "platform-fee-bps", int64(fee), "platform fee taken at escrow release, in basis points (500 = 5 %; 0 for none)")
	fs.DurationVar(&s.ShutdownTimeout, "shutdown-timeout", 15*time.Second, "how long in-flight requests may take to finish at shutdown")
	if err := fs.Parse(args); err != nil {
		return s, Usage(err)
	}
	if fs.NArg() > 0 {
		return s, Usage(fmt.Errorf("unexpected argument %q", fs.Arg(0)))
	}
	if s.BackupEvery, err = time.ParseDuration(backupEvery); err != nil && backupEvery != "0" {
		return s, Usage(fmt.Errorf("--backup-every %q: %v", backupEvery, err))
	}
	for _, c := range strings.Split(adminAllow, ",") {
		if c = strings.TrimSpace(c); c == "" {
			continue
		}
		p, err := netip.ParsePrefix(c)
		if err != nil {
			return s, Usage(fmt.Errorf("--admin-allow %q: not a CIDR prefix", c))
		}
		s.AdminAllow = append(s.AdminAllow, p.Masked())
	}
	s.Data, s.DB, s.MasterKeyFile, s.MasterKey = c.Data, c.DB, c.MasterKeyFile, c.MasterKey
	s.VaultAddr, s.VaultToken, s.VaultKey = c.VaultAddr, c.VaultToken, c.VaultKey
	for _, h := range strings.Split(hostnames, ",") {
		if h = strings.TrimSpace(h); h != "" {
			s.Hostnames = append(s.Hostnames, strings.ToLower(h))
		}
	}
	s.CAPassphrase = Secret(env("CITADEL_CA_PASSPHRASE"))
	return s, Usage(s.Validate())
}

// Common returns the data directory and database part.
func (s Serve) Common() Common {
	return Common{Data: s.Data, DB: s.DB, MasterKeyFile: s.MasterKeyFile, MasterKey: s.MasterKey,
		VaultAddr: s.VaultAddr, VaultToken: s.VaultToken, VaultKey: s.VaultKey}
}

// Validate checks every field and names the first bad one.
func (s Serve) Validate() error {
	c := s.Common()
	if err := c.validate(); err != nil {
		return err
	}
	for _, a := range []struct{ flag, v string }{{"--addr", s.Addr}, {"--http-addr", s.HTTPAddr}, {"--admin-addr", s.AdminAddr}} {
		if a.v == "" && a.flag != "--addr" {
			continue
		}
		if err := checkAddr(a.v); err != nil {
			return fmt.Errorf("%s %q: %v", a.flag, a.v, err)
		}
	}
	for _, h := range s.Hostnames {
		if !ValidHostname(h) {
			return fmt.Errorf("--hostname %q: not a DNS name or IP address", h)
		}
	}
	if (s.TLSCert == "") != (s.TLSKey == "") {
		return errors.New("--tls-cert and --tls-key go together")
	}
	if s.MaxHeaderBytes < 4<<10 || s.MaxHeaderBytes > 1<<20 {
		return fmt.Errorf("--max-header-bytes %d: want 4096 to 1048576", s.MaxHeaderBytes)
	}
	if s.MaxBodyBytes < 1<<10 || s.MaxBodyBytes > 64<<20 {
		return fmt.Errorf("--max-body-bytes %d: want 1024 to 67108864", s.MaxBodyBytes)
	}
	if s.ShutdownTimeout <= 0 || s.ShutdownTimeout > 10*time.Minute {
		return fmt.Errorf("--shutdown-timeout %s: want more than 0 and at most 10m", s.ShutdownTimeout)
	}
	if s.EscrowRelease < time.Hour || s.EscrowRelease > 180*24*time.Hour {
		return fmt.Errorf("--escrow-release %s: want 1h to 4320h", s.EscrowRelease)
	}
	if s.PlatformFeeBPS < -1 || s.PlatformFeeBPS > 10_000 {
		return fmt.Errorf("--platform-fee-bps %d: want -1 (none) to 10000", s.PlatformFeeBPS)
	}
	if s.PaymentTTL < time.Minute || s.PaymentTTL > 7*24*time.Hour {
		return fmt.Errorf("--payment-ttl %s: want 1m to 168h", s.PaymentTTL)
	}
	if s.AuthMemory < 32 || s.AuthMemory > 16384 {
		return fmt.Errorf("--auth-memory-mb %d: want 32 to 16384", s.AuthMemory)
	}
	if s.MemoryLimit != 0 && (s.MemoryLimit < 64 || s.MemoryLimit < s.AuthMemory) {
		return fmt.Errorf("--memory-limit-mb %d: want 0, or at least 64 and at least --auth-memory-mb", s.MemoryLimit)
	}
	if s.BackupEvery != 0 {
		if s.BackupEvery < time.Minute {
			return fmt.Errorf("--backup-every %s: at least 1m", s.BackupEvery)
		}
		if s.BackupRecipient == "" && s.BackupPassphrase == "" {
			return errors.New("--backup-every needs --backup-recipient or CITADEL_BACKUP_PASSPHRASE")
		}
	}
	if s.RedisURL != "" && !strings.HasPrefix(s.RedisURL, "redis://") && !strings.HasPrefix(s.RedisURL, "rediss://") {
		return errors.New("--redis: want redis:// or rediss://")
	}
	switch s.WAFMode {
	case "off", "detect", "block":
	default:
		return fmt.Errorf("--waf %q: want off, detect or block", s.WAFMode)
	}
	if s.WAFParanoia < 1 || s.WAFParanoia > 4 {
		return fmt.Errorf("--waf-paranoia %d: want 1 to 4", s.WAFParanoia)
	}
	if s.SMTPAddr != "" {
		if _, _, err := net.SplitHostPort(s.SMTPAddr); err != nil {
			return fmt.Errorf("--smtp-addr %q: want host:port", s.SMTPAddr)
		}
	}
	switch s.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		return fmt.Errorf("--log-level %q: want debug, info, warn or error", s.LogLevel)
	}
	return nil
}

// Redacted describes the configuration for the start-up log: no secrets,
// no database password.
func (s Serve) Redacted() map[string]any {
	db := "sqlite (" + s.Common().DSN() + ")"
	if s.DB != "" {
		db = redactURL(s.DB)
	}
	return map[string]any{
		"data": s.Data, "db": db, "addr": s.Addr, "http_addr": s.HTTPAddr, "admin_addr": s.AdminAddr,
		"hostnames": s.Hostnames, "own_tls_cert": s.TLSCert != "", "demo": s.Demo,
		"ca_passphrase_from_env": s.CAPassphrase != "",
	}
}

func checkAddr(a string) error {
	host, port, err := net.SplitHostPort(a)
	if err != nil {
		return err
	}
	if host != "" && host != "localhost" {
		if _, err := netip.ParseAddr(host); err != nil {
			return errors.New("host must be an IP address, localhost or empty")
		}
	}
	p, err := strconv.Atoi(port)
	if err != nil || p < 0 || p > 65535 {
		return errors.New("bad port")
	}
	return nil
}

// ValidHostname reports whether h is an IP address or a DNS name made of
// letters, digits and hyphens, at most 253 characters.
func ValidHostname(h string) bool {
	if _, err := netip.ParseAddr(h); err == nil {
		return true
	}
	if h == "" || len(h) > 253 {
		return false
	}
	for _, label := range strings.Split(h, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, r := range label {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-') {
				return false
			}
		}
	}
	return true
}

func envOr(env func(string) string, k, def string) string {
	if v := env(k); v != "" {
		return v
	}
	return def
}

func envInt(env func(string) string, k string, def int) (int, error) {
	v := env(k)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, fmt.Errorf("%s=%q: not a whole number", k, v)
	}
	return n, nil
}

func redactURL(u string) string {
	scheme, rest, ok := strings.Cut(u, "://")
	if !ok {
		return "[unparsable URL]"
	}
	if at := strings.LastIndex(rest, "@"); at >= 0 {
		rest = "[credentials]@" + rest[at+1:]
	}
	if q := strings.IndexByte(rest, '?'); q >= 0 {
		rest = rest[:q]
	}
	return scheme + "://" + rest
}

// Env is the process environment, for callers outside tests.
func Env(k string) string { return os.Getenv(k) }

func envDuration(env func(string) string, k string, def time.Duration) (time.Duration, error) {
	v := env(k)
	if v == "" {
		return def, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		return 0, fmt.Errorf("%s=%q: not a duration (like 30m)", k, v)
	}
	return d, nil
}
