package testgen

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// Account is the seller account label every generated order belongs to.
const Account = "main"

// FileStats is what orderhist should find in one generated file.
type FileStats struct {
	File    string `json:"file"`
	Layout  string `json:"layout"`
	Source  string `json:"source"`
	Account string `json:"account"`
	// Rows counts data rows: lines after the header (Mercado Livre: cart
	// summary rows included; TikTok: the description row excluded).
	Rows int `json:"rows"`
	// Orders counts distinct orders (Mercado Livre: cart children are
	// orders, cart summaries are not).
	Orders int `json:"orders"`
	Lines  int `json:"lines"`
	Units  int `json:"units"`
	// Money in centavos, summed over the file; see README for each
	// layout's definition.
	ItemsTotal     int64      `json:"items_total_cents"`
	OrderTotal     int64      `json:"order_total_cents"`
	NetTotal       *int64     `json:"net_total_cents,omitempty"`
	FirstOrderedAt *time.Time `json:"first_ordered_at,omitempty"`
	LastOrderedAt  *time.Time `json:"last_ordered_at,omitempty"`
}

// Result describes a generated set of files; it is also written as
// manifest.json.
type Result struct {
	Seed    int64       `json:"seed"`
	People  int         `json:"people"`
	Lines   int         `json:"lines"`
	Noise   string      `json:"noise"`
	From    time.Time   `json:"from"`
	To      time.Time   `json:"to"`
	Layouts []string    `json:"layouts"`
	Files   []FileStats `json:"files"`
	Truth   string      `json:"truth"`
	// Orders is the number of rows of truth.csv.
	Orders int `json:"orders"`
	// Mapping is the column mapping written for the pt-BR CSV, if any.
	Mapping string `json:"mapping,omitempty"`
}

// File names Generate writes besides the exports.
const (
	ManifestFile = "manifest.json"
	TruthFile    = "truth.csv"
	MappingFile  = "pedidos_ptbr.mapping.yaml" // beside the CSV, where the csv connector looks for it
)

// Generate writes one export file per layout into cfg.OutDir, with
// truth.csv and manifest.json. Memory stays bounded whatever cfg.Lines is:
// rows are streamed to disk as they are made.
func Generate(cfg Config) (*Result, error) {
	c, err := cfg.normalized()
	if err != nil {
		return nil, err
	}
	if c.OutDir == "" {
		return nil, errors.New("testgen: OutDir is empty")
	}
	if err := os.MkdirAll(c.OutDir, 0o755); err != nil {
		return nil, err
	}
	res := &Result{
		Seed: c.Seed, People: c.People, Lines: c.Lines, Noise: c.Noise,
		From: c.From.UTC(), To: c.To.UTC(), Layouts: c.Layouts, Truth: TruthFile,
	}
	pop := buildPeople(c.Seed, c.People)
	cat := newCatalog(c.Seed)

	tf, err := os.Create(filepath.Join(c.OutDir, TruthFile))
	if err != nil {
		return nil, err
	}
	defer tf.Close()
	tb := bufio.NewWriterSize(tf, 1<<16)
	truth := csv.NewWriter(tb)
	if err := truth.Write(truthHeader); err != nil {
		return nil, err
	}

	for i, name := range c.Layouts {
		lay := layoutByName(name)
		files, err := writeLayout(&c, lay, c.rowsFor(i), pop, cat, truth, &res.Orders)
		if err != nil {
			return nil, fmt.Errorf("testgen: %s: %w", name, err)
		}
		res.Files = append(res.Files, files...)
		if name == LayoutShopeeToShip {
			files, err := writeEarly(&c, lay, pop, cat, truth, &res.Orders)
			if err != nil {
				return nil, fmt.Errorf("testgen: %s (early sightings): %w", name, err)
			}
			res.Files = append(res.Files, files...)
		}
		if name == LayoutPtBRCSV {
			if err := os.WriteFile(filepath.Join(c.OutDir, MappingFile), []byte(ptbrMapping), 0o644); err != nil {
				return nil, err
			}
			res.Mapping = MappingFile
		}
	}
	truth.Flush()
	if err := truth.Error(); err != nil {
		return nil, err
	}
	if err := tb.Flush(); err != nil {
		return nil, err
	}
	if err := tf.Close(); err != nil {
		return nil, err
	}
	js, err := json.MarshalIndent(res, "", "  ")
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(c.OutDir, ManifestFile), append(js, '\n'), 0o644); err != nil {
		return nil, err
	}
	return res, nil
}

// writeLayout writes a layout's rows, in as many files as its format needs:
// a sheet ends at 1,048,576 rows, so a bigger XLSX export is split the way
// a seller splits it, into parts named NAME_part2.xlsx, NAME_part3.xlsx…,
// each ending on a purchase boundary.
func writeLayout(c *Config, lay *layout, rows int, pop []Person, cat *catalog, truth *csv.Writer, count *int) ([]FileStats, error) {
	var files []FileStats
	var w rowWriter
	var st FileStats
	open := func() error {
		st = FileStats{File: partName(lay.file(c), len(files)+1), Layout: lay.name, Source: lay.source, Account: Account}
		if lay.hasNet {
			st.NetTotal = new(int64)
		}
		var err error
		w, err = lay.open(filepath.Join(c.OutDir, st.File), c)
		return err
	}
	if err := open(); err != nil {
		return nil, err
	}
	g := newGen(c, lay, rows, pop, cat)
	rec := make([]string, len(truthHeader))
	for g.next() {
		p := &g.p
		if lay.maxRows >= 0 && st.Rows > 0 && st.Rows+p.rows > lay.maxRows {
			if err := w.close(); err != nil {
				return nil, err
			}
			files = append(files, st)
			if err := open(); err != nil {
				return nil, err
			}
		}
		if err := w.write(p); err != nil {
			w.close()
			return nil, err
		}
		addStats(&st, p)
		if err := writeTruth(truth, rec, lay, p, count); err != nil {
			w.close()
			return nil, err
		}
	}
	if err := w.close(); err != nil {
		return nil, err
	}
	return append(files, st), nil
}

// truthHeader is truth.csv's header; Sighting documents strong and
// name_address.
var truthHeader = []string{"source", "account", "order_id", "person_id", "strong", "name_address"}

func writeTruth(truth *csv.Writer, rec []string, lay *layout, p *purchase, count *int) error {
	for i := range p.orders {
		rec[0], rec[1], rec[2], rec[3] = lay.source, Account, p.orders[i].id, p.buyer.ID
		rec[4], rec[5] = p.ev.strong(), p.ev.nameAddress
		if err := truth.Write(rec); err != nil {
			return err
		}
		*count++
	}
	return nil
}

// writeEarly writes the early to-ship sightings (earlySightings), one file
// per month of their orders.
func writeEarly(c *Config, lay *layout, pop []Person, cat *catalog, truth *csv.Writer, count *int) ([]FileStats, error) {
	var files []FileStats
	var w rowWriter
	var st FileStats
	rec := make([]string, len(truthHeader))
	var err error
	earlySightings(c, pop, cat, func(p *purchase) bool {
		name := earlyFile(c, p.orders[0].at)
		if w == nil || st.File != name {
			if w != nil {
				if err = w.close(); err != nil {
					return false
				}
				files = append(files, st)
			}
			st = FileStats{File: name, Layout: lay.name, Source: lay.source, Account: Account}
			if w, err = lay.open(filepath.Join(c.OutDir, name), c); err != nil {
				w = nil
				return false
			}
		}
		if err = w.write(p); err != nil {
			return false
		}
		addStats(&st, p)
		err = writeTruth(truth, rec, lay, p, count)
		return err == nil
	})
	if w != nil {
		if cerr := w.close(); err == nil {
			err = cerr
		}
		files = append(files, st)
	}
	return files, err
}

// partName names the n-th file of a layout: the first keeps the export's
// own name.
func partName(name string, n int) string {
	if n == 1 {
		return name
	}
	ext := filepath.Ext(name)
	return fmt.Sprintf("%s_part%d%s", name[:len(name)-len(ext)], n, ext)
}
