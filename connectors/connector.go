// Package connectors defines what a marketplace connector is and keeps the
// registry of them. Each marketplace lives in its own package below this
// one, registers itself by name from init, and is wired into the binary by
// connectors/all.
//
// A connector translates column names and layouts — the part that differs per
// marketplace — into normalize.Order values; normalize owns the value rules
// (money, time, documents, phones) so they are written and tested once.
package connectors

import (
	"context"
	"fmt"
	"io"
	"iter"
	"time"

	"github.com/orderhist/orderhist/connectors/tabular"

	"github.com/orderhist/orderhist/normalize"
)

// Info describes a connector for `orderhist connectors` and the docs.
type Info struct {
	Name    string   // registry key, equal to the package name
	Title   string   // the marketplace as sellers call it
	Formats []string // "csv", "xlsx", "api"
	Layouts []Layout // the file layouts it reads
	Options []Option // per-source options (sync config, --option flags)
}

// Option is one setting a connector accepts.
type Option struct {
	Name     string
	Help     string
	Default  string
	Required bool
	// Path says the value names a file: the sync configuration resolves a
	// relative one against its own folder, not the working directory.
	Path bool `json:"-"`
}

// Connector is the registry entry for one marketplace. It holds no per-run
// state, so one value serves every file and source.
type Connector interface {
	Info() Info
}

// FileReader is implemented by connectors that read spreadsheet exports.
type FileReader interface {
	Connector
	// Detect says how well a file's header matches one of the connector's
	// layouts. A zero Score means "not ours".
	Detect(s *Sample) Match
	// ReadFile streams the orders of one file in file order. Rows that cannot
	// be used come as Records with a nil Order and their Rejects; the stream
	// goes on. An error ends the sequence: the whole file failed.
	ReadFile(ctx context.Context, f File) iter.Seq2[Record, error]
}

// File is one export file to read.
type File struct {
	Path    string
	Account string
	// Options are the connector's own settings for this file (for example
	// the generic CSV connector's mapping file).
	Options map[string]string
	// Wrap, when set, wraps the raw file as it is read, so a progress bar can
	// count bytes.
	Wrap func(io.Reader) io.Reader
}

// Record is what a connector yields for one order, or for one row it could
// not use.
type Record struct {
	Order   *normalize.Order // nil when the row was skipped
	Rejects []Reject         // the row's problems, if any
	// Rows is how many non-blank data rows were read since the previous
	// record; summed over a file it is the file's row count. StreamRows
	// sets it.
	Rows int
	// Checkpoint, set by an API puller on a record with no Order and no
	// Rejects, is a high-water mark: every order last updated in
	// [APISource.Since, Checkpoint) has been yielded before this record. A
	// consumer that has committed everything yielded before it can save
	// Checkpoint as the source's cursor; marks only grow within a pull.
	Checkpoint time.Time
}

// Effect says what a reject did to the data.
type Effect string

const (
	// RowSkipped: the row could not be used at all (no order id, no date,
	// an amount that is not a number).
	RowSkipped Effect = "row_skipped"
	// ValueDropped: the order was kept, this one value was left empty.
	ValueDropped Effect = "value_dropped"
)

// Reject is one problem with one row, with what it did to the data.
type Reject struct {
	Source string
	File   string
	Sheet  string
	Row    int
	Column string
	Value  string
	Reason string
	Effect Effect
}

func (r Reject) String() string {
	where := r.File
	if r.Sheet != "" {
		where += fmt.Sprintf(" (sheet %q)", r.Sheet)
	}
	col := ""
	if r.Column != "" {
		col = fmt.Sprintf(": column %q", r.Column)
	}
	return fmt.Sprintf("%s: row %d%s: %s", where, r.Row, col, r.Reason)
}

// Layout is the fingerprint of one export layout: how to find its header
// and which column names identify it.
type Layout struct {
	Name string // e.g. "vendas-br"
	Kind string // "csv" or "xlsx"
	// Sheet is the sheet the export writes its rows to; "" for CSV or when
	// any sheet may hold them.
	Sheet string
	// Marker is a header cell that marks the header row when the header is
	// not on the first row (Mercado Livre's preamble varies in height).
	Marker []string
	// Signature are column names that together identify the export.
	Signature []string
	// Required are the columns without which the file cannot be read.
	Required []string
	// Description says which export this is, for `orderhist detect`.
	Description string
	// Mapped says the columns come from the user's mapping file, so the
	// layout has no fixed signature.
	Mapped bool
}

// ColumnLister is implemented by file connectors that read columns by header
// name, so `orderhist detect` can show which header feeds which field.
type ColumnLister interface {
	Columns() []tabular.Column
}
