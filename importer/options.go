package importer

import (
	"io"
	"log/slog"
	"time"

	"github.com/orderhist/orderhist/dataset"
	"github.com/orderhist/orderhist/history"
	"github.com/orderhist/orderhist/internal/pii"
)

// Options configure a run. The zero value of each field means its default.
type Options struct {
	// Now is the clock; tests set it so runs are reproducible.
	Now func() time.Time
	// AsOf is the day customer segments are computed for (its date is
	// read in Location); default the run's day in UTC.
	AsOf time.Time
	// Rules place each customer in a segment (customers.segment);
	// default history.DefaultRules, the rules the report shows.
	Rules history.Rules
	// Location is the seller's time zone: orders placed up to the end of
	// the as-of day there count as purchases, and days since the latest
	// purchase are counted in it. Default history.DefaultZone.
	Location *time.Location
	// PII is how personal data is written; default clear.
	PII *pii.Protector
	// Logger gets a line per input read or failed, and, at debug level,
	// how long each stage took; default discards.
	Logger *slog.Logger
	// Command is the command line as the dataset's lock shows it to a run
	// that finds the dataset locked.
	Command string
	// Progress, when set, is called as each input starts being read, and
	// the Progress it returns is told of the input's bytes and rows.
	Progress func(name string, size int64, connector string) Progress
	// BeforeResolve, when set, is called once every month is merged and
	// identity resolution starts: the run's peak of live memory (a heap
	// profile taken there shows what a run holds).
	BeforeResolve func() error
	// Stage, when set, is told as each stage of a commit starts (reading
	// the dataset, merging months, resolving customers, writing
	// customers, writing months, writing rejects, committing) and as it
	// advances: done of total (months; total 0 when the stage has nothing
	// to count); then once with an empty name when the commit is over.
	// Calls may come from several goroutines at once.
	Stage func(name string, done, total int)

	// PartBytes is about how much spooled data of a month is merged at
	// once: a busy month is first split by a hash of the order key into
	// parts, so that memory is bounded by this and not by the busiest
	// month. Default 8 MiB (see docs/performance.md).
	PartBytes int64
	// MaxParts caps how many parts a month is split into; default 256.
	MaxParts int
	// WriteBatch is how many rows go to a Parquet writer at a time;
	// default 4096.
	WriteBatch int
	// MatchWeight is the match weight, in bits, two orders need to be
	// linked on scored name and address evidence; 0 means
	// dedupe.DefaultMatchWeight and +Inf turns scored linking off.
	MatchWeight float64
	// SnapshotRetention, when set, is how long the run's commits keep
	// replaced Iceberg snapshots, and their files, for time travel, and
	// becomes the dataset's retention; 0 keeps only the current snapshot.
	// Nil keeps the retention the dataset was last committed with (see
	// dataset.Retention).
	SnapshotRetention *time.Duration
	// Catalog, when set, is the SQL catalog the run commits the tables in
	// (see dataset.WithCatalog).
	Catalog *dataset.CatalogConfig
	// Remote says how to reach a dataset given as an s3:// location (see
	// dataset.WithRemote); nil uses the AWS conventions alone.
	Remote *dataset.RemoteOptions
	// GCPercent replaces GOGC's default for the run unless GOGC is set;
	// default 400. Negative leaves the collector as it is.
	GCPercent int

	// CheckpointOrders and CheckpointEvery say how often a long API pull
	// commits what it has pulled: at the first checkpoint mark the puller
	// yields once this many orders were pulled, or this much time went
	// by, since the run last committed. Defaults 2,000 orders and 5
	// minutes; negative never commits midway.
	CheckpointOrders int
	CheckpointEvery  time.Duration

	// mergeEveryMonth merges every month of the dataset as if an input
	// reached it, the way months an input reaches are: tests compare the
	// two paths.
	mergeEveryMonth bool
	// ignoreState reads every month from the dataset's tables, never from
	// the resolver state, and writes the state of every month anew
	// (Rebuild; tests compare the two paths).
	ignoreState bool
}

// Progress follows the reading of one input.
type Progress interface {
	// Wrap counts the raw bytes a connector reads of a file.
	Wrap(io.Reader) io.Reader
	// AddRows counts rows read.
	AddRows(n int)
	// Finish says the input was read.
	Finish()
}

func (o Options) withDefaults() Options {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Rules == (history.Rules{}) {
		o.Rules = history.DefaultRules
	}
	if o.Location == nil {
		o.Location, _ = time.LoadLocation(history.DefaultZone)
	}
	if o.PII == nil {
		o.PII, _ = pii.New(string(pii.Clear), "")
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Stage == nil {
		o.Stage = func(string, int, int) {}
	}
	if o.Progress == nil {
		o.Progress = func(string, int64, string) Progress { return noProgress{} }
	}
	if o.PartBytes <= 0 {
		o.PartBytes = 8 << 20
	}
	if o.MaxParts <= 0 {
		o.MaxParts = 256
	}
	if o.WriteBatch <= 0 {
		o.WriteBatch = 4096
	}
	if o.GCPercent == 0 {
		o.GCPercent = 400
	}
	if o.CheckpointOrders == 0 {
		o.CheckpointOrders = 2000
	}
	if o.CheckpointEvery == 0 {
		o.CheckpointEvery = 5 * time.Minute
	}
	return o
}

type noProgress struct{}

func (noProgress) Wrap(r io.Reader) io.Reader { return r }
func (noProgress) AddRows(int)                {}
func (noProgress) Finish()                    {}
