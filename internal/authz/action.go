package authz

// Action names one thing a handler may do, as "<object>.<verb>". Handlers use
// the constants; a string from outside never becomes an Action.
type Action string

// Catalog, cart and orders.
const (
	CatalogRead    Action = "catalog.read"
	ProductCreate  Action = "product.create"
	ProductUpdate  Action = "product.update"
	ProductArchive Action = "product.archive"
	StockAdjust    Action = "stock.adjust"
	CategoryManage Action = "category.manage"
	ReviewWrite    Action = "review.write"
	ReviewModerate Action = "review.moderate"
	CartWrite      Action = "cart.write"
	OrderRead      Action = "order.read"
	OrderCreate    Action = "order.create"
	OrderCancel    Action = "order.cancel"
)

// Merchant back office.
const (
	MerchantOrderRead     Action = "merchant_order.read"
	MerchantOrderAccept   Action = "merchant_order.accept"
	MerchantOrderShip     Action = "merchant_order.ship"
	MerchantOrderCancel   Action = "merchant_order.cancel"
	MerchantProfileUpdate Action = "merchant.profile.update"
	MerchantStaffManage   Action = "merchant.staff.manage"
	PayoutRead            Action = "payout.read"
	PayoutUpdate          Action = "payout.update"
)

// Payments, escrow, refunds and disputes.
const (
	RefundRequest  Action = "refund.request"
	RefundIssue    Action = "refund.issue"
	DisputeOpen    Action = "dispute.open"
	DisputeRead    Action = "dispute.read"
	DisputeRespond Action = "dispute.respond"
	DisputeResolve Action = "dispute.resolve"
	EscrowRelease  Action = "escrow.release"
)

// Business organizations.
const (
	OrgRead          Action = "org.read"
	OrgPurchase      Action = "org.purchase"
	OrgMembersManage Action = "org.members.manage"
	OrgContractSign  Action = "org.contract.sign"
)

// Self-service on the actor's own account, and privacy rights.
const (
	AccountReadSelf    Action = "account.read_self"
	AccountUpdateSelf  Action = "account.update_self"
	AccountCredentials Action = "account.credentials"
	AccountSessions    Action = "account.sessions"
	AccountTokens      Action = "account.tokens"
	PrivacyExportSelf  Action = "privacy.export_self"
	PrivacyEraseSelf   Action = "privacy.erase_self"
	SupportTicket      Action = "support.ticket"
)

// Staff consoles: support, risk, security, audit and platform operations.
const (
	SupportTicketHandle Action = "support.ticket.handle"
	UserReadAny         Action = "user.read_any"
	RiskQueueRead       Action = "risk.queue.read"
	RiskReview          Action = "risk.review"
	RiskRulesUpdate     Action = "risk.rules.update"
	GuardRead           Action = "guard.read"
	GuardBlock          Action = "guard.block"
	GuardUnblock        Action = "guard.unblock"
	GuardRulesUpdate    Action = "guard.rules.update"
	SessionRevokeAny    Action = "session.revoke_any"
	AccountLock         Action = "account.lock"
	IncidentManage      Action = "incident.manage"
	AuditRead           Action = "audit.read"
	AuditCheckpointSign Action = "audit.checkpoint.sign"
	UserRoleGrant       Action = "user.role.grant"
	ConfigRead          Action = "config.read"
	ConfigUpdate        Action = "config.update"
	KeyRotate           Action = "key.rotate"
	BackupRun           Action = "backup.run"
	BackupRestore       Action = "backup.restore"
	MerchantOnboard     Action = "merchant.onboard"
	CertIssue           Action = "cert.issue"
)

// actionInfo is what the rest of the package knows about an action.
// readOnly actions change nothing (the auditor may hold only these);
// reserved actions are done by the system itself, never by a person, so no
// grant may name them and Decide always refuses them.
type actionInfo struct {
	action   Action
	readOnly bool
	reserved bool
	doc      string
}

// actions lists every action once, in documentation order.
var actions = [...]actionInfo{
	{CatalogRead, true, false, "browse and search products"},
	{ProductCreate, false, false, "list a new product"},
	{ProductUpdate, false, false, "edit a product, its variants and prices"},
	{ProductArchive, false, false, "take a product off sale"},
	{StockAdjust, false, false, "change stock levels"},
	{CategoryManage, false, false, "edit the category tree"},
	{ReviewWrite, false, false, "review a product bought"},
	{ReviewModerate, false, false, "hide or restore a review"},
	{CartWrite, false, false, "change a cart"},
	{OrderRead, true, false, "see an order, its payments and receipts"},
	{OrderCreate, false, false, "check out"},
	{OrderCancel, false, false, "cancel an order before it ships"},
	{MerchantOrderRead, true, false, "see a merchant's part of an order"},
	{MerchantOrderAccept, false, false, "accept an order"},
	{MerchantOrderShip, false, false, "mark an order shipped"},
	{MerchantOrderCancel, false, false, "cancel as the merchant"},
	{MerchantProfileUpdate, false, false, "edit the shop profile"},
	{MerchantStaffManage, false, false, "add or remove merchant staff"},
	{PayoutRead, true, false, "see payouts and the merchant ledger"},
	{PayoutUpdate, false, false, "change payout bank details"},
	{RefundRequest, false, false, "ask for a refund"},
	{RefundIssue, false, false, "refund money to a buyer"},
	{DisputeOpen, false, false, "open a dispute"},
	{DisputeRead, true, false, "see a dispute and its evidence"},
	{DisputeRespond, false, false, "answer a dispute with evidence"},
	{DisputeResolve, false, false, "decide a dispute, moving escrowed money"},
	{EscrowRelease, false, true, "release escrow (order state machine only)"},
	{OrgRead, true, false, "see an organization and its contracts"},
	{OrgPurchase, false, false, "buy on the organization's account"},
	{OrgMembersManage, false, false, "add, remove or re-role members"},
	{OrgContractSign, false, false, "sign a contract for the organization"},
	{AccountReadSelf, true, false, "see one's own account"},
	{AccountUpdateSelf, false, false, "edit one's own profile and addresses"},
	{AccountCredentials, false, false, "change password, email or factors"},
	{AccountSessions, false, false, "list and revoke one's own sessions"},
	{AccountTokens, false, false, "create or revoke one's API tokens"},
	{PrivacyExportSelf, true, false, "export one's personal data"},
	{PrivacyEraseSelf, false, false, "erase one's account (crypto-shredding)"},
	{SupportTicket, false, false, "open a support ticket"},
	{SupportTicketHandle, false, false, "answer and close support tickets"},
	{UserReadAny, true, false, "look up any account"},
	{RiskQueueRead, true, false, "see the risk review queue"},
	{RiskReview, false, false, "approve or reject a held order"},
	{RiskRulesUpdate, false, false, "change fraud rules and thresholds"},
	{GuardRead, true, false, "see WAF events and block lists"},
	{GuardBlock, false, false, "block an address, account or device"},
	{GuardUnblock, false, false, "lift a block"},
	{GuardRulesUpdate, false, false, "change WAF and rate-limit rules"},
	{SessionRevokeAny, false, false, "revoke any user's sessions"},
	{AccountLock, false, false, "lock a compromised account"},
	{IncidentManage, false, false, "open, update and close incidents"},
	{AuditRead, true, false, "read and verify the audit log"},
	{AuditCheckpointSign, false, true, "sign a checkpoint (sequencer only)"},
	{UserRoleGrant, false, false, "grant or revoke roles"},
	{ConfigRead, true, false, "see the (redacted) running config"},
	{ConfigUpdate, false, false, "change runtime config"},
	{KeyRotate, false, false, "rotate keyring and signing keys"},
	{BackupRun, false, false, "take a backup"},
	{BackupRestore, false, false, "restore from a backup"},
	{MerchantOnboard, false, false, "approve or suspend a merchant"},
	{CertIssue, false, false, "issue or revoke a certificate"},
}

func lookupAction(a Action) (actionInfo, bool) {
	for _, in := range actions {
		if in.action == a {
			return in, true
		}
	}
	return actionInfo{}, false
}

// Actions returns every action, reserved ones included, in documentation
// order.
func Actions() []Action {
	out := make([]Action, len(actions))
	for i, in := range actions {
		out[i] = in.action
	}
	return out
}

// Valid reports whether a is a known action.
func (a Action) Valid() bool { _, ok := lookupAction(a); return ok }

// ReadOnly reports whether a changes nothing. Unknown actions are not.
func (a Action) ReadOnly() bool { in, _ := lookupAction(a); return in.readOnly }

// Reserved reports whether only the system itself does a: no role holds it.
func (a Action) Reserved() bool { in, _ := lookupAction(a); return in.reserved }
