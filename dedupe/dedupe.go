// Package dedupe resolves the buyers of orders from every channel into
// customers with ids that stay the same from run to run, and computes each
// customer's purchase history.
//
// # Linking
//
// Two orders belong to one customer when a chain of shared identifiers joins
// them. Identifiers are taken from the buyer only: a gift's recipient name,
// phone and address describe someone else. Evidence is applied in a fixed
// order, strongest first, so that the result depends on the orders and not
// on the order they were observed in:
//
//  1. CPF / CNPJ. A valid document is the person (or company).
//  2. Personal e-mail, compared by normalize.EmailMatchKey.
//  3. Marketplace-scoped ids: the buyer's id at the marketplace
//     ("source:account:ref") and relay e-mails, which a marketplace issues
//     per buyer and which mean nothing outside it.
//  4. Phone (E.164). Households share landlines, so a phone joins two sides
//     only when it is not contradicted: the sides must not carry different
//     documents, and their first names must be compatible (equal, or one
//     typo apart, or an initial; "Paulo"/"Paula" are not).
//  5. Weak evidence, corroborated: the buyer's full name (NameKey) with the
//     CEP and street number links together with a corroborating fragment of
//     another identifier — the phone's area code and last eight digits (so
//     "+5511987654321" meets the pre-2016 "+551187654321"), or the e-mail's
//     mailbox name at a different provider.
//  6. Weak evidence, scored (weak.go): orders showing a name and a CEP are
//     compared field by field across the remaining customers and linked
//     where their Fellegi–Sunter match weight, estimated from the seller's
//     own orders, reaches Options.MatchWeight. An address alone never links
//     anyone; a household's different first names never meet; on too few
//     orders to estimate the model, a name with an address links nothing.
//
// # Guards
//
//   - Masked and placeholder values never link: values holding '*', phones
//     whose last eight digits are one digit repeated, documents that fail
//     their check digits or repeat one digit.
//   - Two different documents never end up in one customer. Every union is
//     checked ("constrained union-find"); a refused union is counted in
//     Report.ConflictsAvoided. An undocumented order that an identifier would
//     attach to two differently documented customers goes to the one whose
//     first name fits, or to neither (Report.Ambiguous).
//   - An identifier used by more than Options.MaxOwners distinct people
//     (distinct documents or distinct first names among its orders) is a
//     shared value — a seller's own phone typed on every order, a store's
//     e-mail, a family account — and links nothing; it is listed in
//     Report.Shared. A name+address key stops linking as soon as two
//     documents use it.
//
// # Customer ids
//
// Ids survive runs through the identities table: Seed maps each identifier
// of the previous run to its customer. A component whose identifiers point
// to one earlier id keeps it; when new evidence joins two earlier customers
// the older one (earliest first_seen of its identities, then the smaller
// id) survives and the other is recorded as a Merge. Other components get
// "c_" and 16 hex digits of SHA-256 of their smallest identifier (strongest
// kind first, in its stored form, so ids leak nothing under --pii hash), or
// of their smallest order key when they have no identifier of their own: an
// order without buyer data is a customer by itself. Rebuilding from scratch,
// or in another order, gives the same customers with the same ids. Seeds
// name customers; they never link orders, or a wrong merge of the past
// could never be undone.
//
// Orders read back from a dataset whose identifiers were stored hashed or
// dropped keep their customer_id: ObservePinned pins such an order to it.
// Orders pinned to one id are linked, and a seeded identifier naming that
// id links its new orders to them, under the same guards (the pinned
// customer's seeded document stands for theirs); the pins claim the id.
// Seeded identities of a pinned customer that no observed order shows
// again are carried over into Identities. See pins.go.
//
// # Memory
//
// The Resolver keeps a fixed-size record per order (48 bytes), a hash, kind
// and value per distinct identifier (16 bytes and the value, in blocks),
// and 8 bytes per (order, identifier) pair; names, cities and sources are
// interned. Keys are 64-bit FNV-1a
// hashes: with a million orders and identifiers the chance of any collision
// is below one in ten million.
package dedupe

import (
	"time"
)

// Kind is the kind of an identifier, as written to the identities table.
type Kind string

const (
	KindCPF             Kind = "cpf"
	KindCNPJ            Kind = "cnpj"
	KindEmail           Kind = "email"            // personal address, by its match key
	KindRelayEmail      Kind = "relay_email"      // marketplace relay address: links within that marketplace only
	KindPhone           Kind = "phone"            // E.164
	KindMarketplaceUser Kind = "marketplace_user" // source:account:buyer ref
	KindNameAddress     Kind = "name_address"     // weak: name key|CEP|street number; never links alone
)

// DefaultMaxOwners is how many distinct people may share one identifier
// before it stops linking. Five keeps a household's landline or a family
// e-mail (a couple, their children, a grandparent) usable, where names tell
// them apart, and still catches a seller's own phone or a store's e-mail
// typed on dozens of orders.
const DefaultMaxOwners = 5

// maxWeakOwners applies to name+address keys: the key already fixes the
// name, so a second document under it proves two people (a mother and a
// daughter of the same name at one address) and any order without a
// document could belong to either.
const maxWeakOwners = 1

// Options tune a Resolver.
type Options struct {
	// StoredValue maps a normalized identifier to what the identities table
	// stores (a keyed hash under --pii hash). Default: identity. It must be
	// deterministic: seeds are matched through it.
	StoredValue func(kind Kind, value string) string
	// MaxOwners: an identifier linking more than this many otherwise
	// distinct people stops linking. 0 means DefaultMaxOwners.
	MaxOwners int
	// Now stamps new merges and stands in for first_seen when an
	// identifier's orders have no date. Zero means the as-of date.
	Now time.Time
	// MatchWeight is the match weight, in bits, two orders need to link on
	// scored name and address evidence (weak.go); 0 means
	// DefaultMatchWeight. Higher links less and more surely; +Inf turns
	// scored linking off.
	MatchWeight float64
	// PurchasesBefore: orders placed at or after it are not counted in
	// Customer.Purchases and LastPurchaseAt (the end of the as-of day, in
	// the seller's time zone). Zero counts every dated order.
	PurchasesBefore time.Time
}

// Identity is one row of the identities table.
type Identity struct {
	CustomerID  string
	Kind        Kind
	Value       string // StoredValue of the normalized value
	Source      string // where the identifier was first seen
	FirstSeen   time.Time
	LastSeen    time.Time
	OrdersCount int64
	// Evidence is how the identity took part in linking the customer.
	Evidence Evidence
}

// Merge records that MergedID now belongs to CustomerID.
type Merge struct {
	MergedID   string
	CustomerID string
	MergedAt   time.Time
	Reason     string
}

// Customer is one row of the customers table.
type Customer struct {
	ID, Name, Document, Email, Phone, City, State, PostalCode string

	FirstOrderAt, LastOrderAt time.Time // zero when no order has a date

	OrdersCount    int64 // every order, cancelled ones included
	ItemsCount     int64 // Σ quantities of non-cancelled orders
	CancelledCount int64
	ReturnedCount  int64

	// Currency is the currency of most of the customer's non-cancelled
	// orders with an amount (the latest one's on a tie); TotalSpent and
	// AvgTicket count only orders in it, since amounts in two currencies
	// cannot be added. "" when no such order says.
	Currency             string
	TotalSpent           int64 // centavos, non-cancelled orders in Currency
	AvgTicket            int64 // centavos, rounded half away from zero; valid when HasAvgTicket
	HasAvgTicket         bool  // false when no non-cancelled order has an amount
	AvgDaysBetweenOrders float64
	HasAvgDays           bool // false below two dated orders

	Channels []string // distinct sources, sorted
	// Usernames are the marketplace usernames or buyer ids of the
	// customer's orders, as the marketplaces give them, sorted; shared
	// ones (Report.Shared) are left out.
	Usernames []string

	// Purchases counts the non-cancelled orders dated before
	// Options.PurchasesBefore; LastPurchaseAt is the latest of them (zero
	// without one). The segment is placed by these (history.Rules).
	Purchases      int64
	LastPurchaseAt time.Time

	RFMRecency, RFMFrequency, RFMMonetary int32
}

// Link is one identifier of a customer and the orders that carry it, for
// explaining why orders were put together.
type Link struct {
	Kind   Kind
	Value  string   // masked for display
	Orders []string // "source/account/order_id"
	// Shared is true for identifiers that link nothing because too many
	// people use them (Report.Shared). Weak marks a name+address key,
	// which linked only the orders that also share a phone fragment or a
	// mailbox name.
	Shared bool
	Weak   bool
}

// SharedIdentifier is an identifier that stopped linking because too many
// distinct people use it.
type SharedIdentifier struct {
	Kind   Kind
	Value  string // masked for display
	Orders int
	Owners int // distinct documents or first names among its orders
}

// Report summarizes a resolution.
type Report struct {
	Orders    int
	Customers int
	// NewCustomers counts customers none of whose identifiers had an id
	// in the seeds; customers without identifiers (orders with no buyer
	// data) always count, though their ids are the same every run.
	NewCustomers int
	NewMerges    int
	Identifiers  map[Kind]int // distinct identifiers per kind
	// Shared lists the identifiers blocked as shared, most orders first.
	Shared []SharedIdentifier
	// ConflictsAvoided counts unions refused because the two sides carry
	// different documents.
	ConflictsAvoided int
	// Ambiguous counts orders an identifier could not attach because it
	// fits two differently documented customers equally, and components
	// that scored evidence would attach to two differently documented
	// customers.
	Ambiguous int
	// ScoredLinks counts the unions made on scored name and address
	// evidence (Result.WeakLinks explains each).
	ScoredLinks int
}

// Evidence says how an identity took part in linking its customer.
type Evidence string

const (
	// EvidenceStrong: a strong identifier, linking every order that
	// carries it.
	EvidenceStrong Evidence = "strong"
	// EvidenceCorroborated: a name+address key whose orders were linked
	// only where a phone fragment or mailbox name also agreed.
	EvidenceCorroborated Evidence = "corroborated"
	// EvidenceScored: a name+address key one of whose orders a scored
	// name and address comparison attached (Result.WeakLinks).
	EvidenceScored Evidence = "scored"
	// EvidenceShared: shared by too many people, it linked nothing
	// (Report.Shared).
	EvidenceShared Evidence = "shared"
)

// FieldComparison is how one field of two orders compared in a scored
// link.
type FieldComparison struct {
	Field string // one of FieldNames()
	// Level is "exact", "close" or "first name only" for the name, else
	// "agree" or "disagree"; "missing" when either order lacks the field.
	Level  string
	Agree  bool    // the best level (exact name, same value)
	Weight float64 // log2(m/u) of the level, bits; 0 when missing
}

// WeakLink explains a union made on scored name and address evidence: the
// two orders compared, each field's outcome and the total weight.
type WeakLink struct {
	Orders [2]string // "source/account/order_id"
	// Weight is the match weight in bits: the prior log-odds of a
	// candidate pair matching, plus each field's weight, plus NameFrequency.
	Weight float64
	// Probability is the match probability the weight stands for.
	Probability float64
	// NameFrequency is the name's term frequency adjustment, bits:
	// negative for common names.
	NameFrequency float64
	Fields        []FieldComparison
}
