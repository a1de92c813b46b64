package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/citadel-store/citadel/internal/audit"
	"github.com/citadel-store/citadel/internal/cart"
	"github.com/citadel-store/citadel/internal/catalog"
	"github.com/citadel-store/citadel/internal/config"
	"github.com/citadel-store/citadel/internal/escrow"
	"github.com/citadel-store/citadel/internal/idempotency"
	"github.com/citadel-store/citadel/internal/identity"
	"github.com/citadel-store/citadel/internal/identity/passkey"
	"github.com/citadel-store/citadel/internal/identity/password"
	"github.com/citadel-store/citadel/internal/inventory"
	"github.com/citadel-store/citadel/internal/keyring"
	"github.com/citadel-store/citadel/internal/notify"
	"github.com/citadel-store/citadel/internal/order"
	"github.com/citadel-store/citadel/internal/payment"
	"github.com/citadel-store/citadel/internal/store"
)

// openMaster finds the keyring's master key: a Vault/OpenBao transit key
// when CITADEL_VAULT_ADDR is set, else CITADEL_MASTER_KEY, else the key
// file. With create, a missing default file is generated and the
// operator told (via notice) to move it off the machine.
func openMaster(c config.Common, create bool, notice io.Writer) (keyring.Master, error) {
	if c.VaultAddr != "" {
		return keyring.NewTransitMaster(keyring.TransitConfig{Addr: c.VaultAddr, Token: string(c.VaultToken), KeyName: c.VaultKey})
	}
	if c.MasterKey != "" {
		return keyring.ParseMasterKey(string(c.MasterKey))
	}
	path := c.MasterKeyPath()
	m, err := keyring.LoadMasterFile(path)
	if err == nil || !errors.Is(err, fs.ErrNotExist) || !create || c.MasterKeyFile != "" {
		return m, err
	}
	m, err = keyring.CreateMasterFile(path)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(notice, "Generated a master key at %s. Move it off this machine (to CITADEL_MASTER_KEY or a KMS) before real data arrives: with it, the database and backups can be read.\n", path)
	return m, nil
}

// services are the domain services the handlers call.
type services struct {
	keys     *keyring.Keyring
	audit    *audit.Recorder
	identity *identity.Service
	passkeys *passkey.Service
	outbox   string // file outbox directory, when mail is not sent by SMTP

	catalog   *catalog.Service
	inventory *inventory.Service
	carts     *cart.Service
	orders    *order.Service
	idem      *idempotency.Store

	vault    *payment.Vault
	acquirer *payment.Simulator
	payments *payment.Service
	escrow   *escrow.Service
	receipts *receipts // signs a receipt for every paid checkout
}

func newServices(ctx context.Context, cfg config.Serve, o Options, db *store.DB, baseURL string, stdout io.Writer) (*services, error) {
	m, err := openMaster(cfg.Common(), true, stdout)
	if err != nil {
		return nil, err
	}
	keys, err := keyring.Open(ctx, db, m)
	if err != nil {
		return nil, err
	}
	policy, err := password.LoadPolicy()
	if err != nil {
		return nil, err
	}
	params := password.Default
	if o.PasswordParams != nil {
		params = *o.PasswordParams
	}
	hasher := password.NewHasher(params, cfg.AuthMemory<<20, 3*time.Second)
	sv := &services{keys: keys, audit: audit.NewRecorder(keys)}
	keys.SetAudit(func(ctx context.Context, tx *store.Tx, action string, detail map[string]string) error {
		return sv.audit.Record(ctx, tx, audit.Event{Actor: "system", Action: action, Outcome: audit.Success, Detail: detail})
	})
	if err := registerSealedColumns(keys); err != nil {
		return nil, err
	}
	var mailer notify.Mailer
	if cfg.SMTPAddr != "" {
		mailer, err = notify.NewSMTP(notify.SMTPConfig{Addr: cfg.SMTPAddr, From: cfg.SMTPFrom, Username: cfg.SMTPUser,
			Password: string(cfg.SMTPPassword), Insecure: o.InsecureSMTP})
	} else {
		sv.outbox = filepath.Join(cfg.Data, "outbox")
		mailer, err = notify.NewFileOutbox(sv.outbox)
	}
	if err != nil {
		return nil, fmt.Errorf("mail: %w", err)
	}
	sv.identity = identity.New(identity.Config{BaseURL: baseURL}, db, keys, hasher, policy, sv.audit, mailer)
	sms := o.SMS
	if sms == nil {
		if sms, err = smsSender(cfg); err != nil {
			return nil, fmt.Errorf("SMS: %w", err)
		}
	}
	sv.identity.WithSMS(sms)
	u, err := url.Parse(baseURL)
	if err != nil {
		return nil, fmt.Errorf("public address %q: %w", baseURL, err)
	}
	// WebAuthn needs a domain name: a store reached by IP address alone
	// runs without passkeys (and says so), rather than not at all.
	if pk, err := passkey.New(db, u.Hostname(), u.Scheme+"://"+u.Host, "Citadel"); err != nil {
		fmt.Fprintf(stdout, "Passkeys are off: %s is not a domain name (give --hostname).\n", u.Hostname())
	} else {
		sv.passkeys = pk.WithRecorder(func(ctx context.Context, tx *store.Tx, e passkey.Event) error {
			return sv.audit.Record(ctx, tx, audit.Event{Actor: e.AccountID, Action: e.Action, Object: e.CredentialID, Outcome: audit.Success})
		})
	}
	sv.catalog = catalog.New(db)
	sv.inventory = inventory.New(db, nil)
	sv.carts = cart.New(db, nil)
	record := func(ctx context.Context, tx *store.Tx, actor, action, object string, detail map[string]string) error {
		return sv.audit.Record(ctx, tx, audit.Event{Actor: actor, Action: action, Object: object, Outcome: audit.Success, Detail: detail})
	}
	sv.orders = order.New(order.Config{PaymentTTL: cfg.PaymentTTL, Record: record}, db, keys, sv.inventory, sv.carts)
	sv.idem = idempotency.New(db, keys)
	// Payments go to the built-in simulated acquirer: a development and
	// test stand-in that speaks an acquirer's shape (authorise, capture,
	// refund, void, idempotency keys). A real provider plugs in here.
	sv.vault = payment.NewVault(db, keys, nil)
	sv.acquirer = payment.NewSimulator(db, nil)
	rkey, err := loadReceiptKey(cfg.Data, "receipts."+u.Hostname())
	if err != nil {
		return nil, err
	}
	sv.receipts = &receipts{key: rkey, orders: sv.orders, log: slog.New(slog.DiscardHandler), now: time.Now}
	sv.payments = payment.New(payment.Config{Record: record, OnCaptured: sv.receipts.onCaptured}, db, sv.orders, sv.vault, sv.acquirer)
	fee := cfg.PlatformFeeBPS
	if fee == 0 {
		fee = escrow.NoFee // the operator said none; escrow's zero means its default
	}
	if sv.escrow, err = escrow.New(escrow.Config{ReleaseAfter: cfg.EscrowRelease, FeeBPS: fee, Record: record}, db, sv.orders, sv.payments); err != nil {
		return nil, err
	}
	return sv, nil
}

// ensureDir is used by commands that may run before serve ever did.
func ensureDir(dir string) error { return os.MkdirAll(dir, 0o700) }

// auditHook lets packages below audit (the CA registry) record events in
// their own transactions.
func (sv *services) auditHook() func(ctx context.Context, tx *store.Tx, action, object string, detail map[string]string) error {
	return func(ctx context.Context, tx *store.Tx, action, object string, detail map[string]string) error {
		return sv.audit.Record(ctx, tx, audit.Event{Actor: "system", Action: action, Object: object, Outcome: audit.Success, Detail: detail})
	}
}

// smsSender is Twilio's API when configured (CITADEL_TWILIO_*), else a
// file outbox in the data directory for development.
func smsSender(cfg config.Serve) (notify.SMSSender, error) {
	if cfg.TwilioSID != "" {
		return notify.NewTwilio(notify.TwilioConfig{BaseURL: cfg.TwilioURL, AccountSID: cfg.TwilioSID,
			AuthToken: string(cfg.TwilioToken), From: cfg.TwilioFrom})
	}
	return notify.NewFileSMSOutbox(filepath.Join(cfg.Data, "sms-outbox"))
}
