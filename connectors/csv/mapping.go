package csv

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"gopkg.in/yaml.v3"

	"github.com/orderhist/orderhist/connectors"
	"github.com/orderhist/orderhist/connectors/tabular"
	"github.com/orderhist/orderhist/normalize"
)

// Mapping is the mapping file.
type Mapping struct {
	// Source names the channel in the dataset ("magalu"); default "csv".
	Source    string            `yaml:"source"`
	Columns   map[string]string `yaml:"columns"`
	Money     string            `yaml:"money"`       // "br" (1.234,56) or "dot" (1234.56)
	Layout    string            `yaml:"date_layout"` // Go layout
	Layouts   []string          `yaml:"date_layouts"`
	Timezone  string            `yaml:"timezone"`
	Delimiter string            `yaml:"delimiter"`
	Encoding  string            `yaml:"encoding"`
	Sheet     string            `yaml:"sheet"`      // XLSX: the sheet to read
	HeaderRow int               `yaml:"header_row"` // 1-based; default 1
	Status    map[string]string `yaml:"status"`     // raw status → contract status
	// OrderAmounts says whether order-level amounts repeat on every line
	// ("first", the default: taken once) or are split over lines ("sum").
	OrderAmounts string `yaml:"order_amounts"`

	loc       *time.Location
	money     normalize.MoneyStyle
	delimiter rune
}

var validSource = regexp.MustCompile(`^[a-z][a-z0-9]*$`)

func isConnector(name string) bool {
	_, ok := connectors.Lookup(name)
	return ok
}

// fields are the canonical fields a mapping may name.
var fields = []string{
	"order_id", "ordered_at", "updated_at", "status", "pack_id", "currency",
	"items_total", "shipping", "discount", "fees", "order_total", "net_total",
	"payment_method", "installments",
	"buyer_ref", "buyer_name", "buyer_document", "buyer_email", "buyer_phone",
	"recipient_name", "recipient_phone",
	"ship_street", "ship_number", "ship_neighborhood", "ship_city", "ship_state", "ship_postal_code", "ship_country",
	"sku", "listing_id", "title", "variation", "quantity", "unit_price", "line_total", "category",
}

// LoadMapping reads and checks a mapping file. Every problem names the key.
func LoadMapping(path string) (*Mapping, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("mapping file: %w", err)
	}
	var m Mapping
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("mapping file %s: %w", path, err)
	}
	if err := m.check(); err != nil {
		return nil, fmt.Errorf("mapping file %s: %w", path, err)
	}
	return &m, nil
}

func (m *Mapping) check() error {
	var errs []error
	switch {
	case m.Source == "":
		m.Source = Name
	case !validSource.MatchString(m.Source):
		errs = append(errs, fmt.Errorf("source: %q must be lower-case letters and digits, like magalu", m.Source))
	case m.Source != Name && isConnector(m.Source):
		errs = append(errs, fmt.Errorf("source: %q is another connector's name; its exports are read by that connector", m.Source))
	}
	for field := range m.Columns {
		if !slices.Contains(fields, field) {
			errs = append(errs, fmt.Errorf("columns: %q is not a field orderhist knows (fields: %s)", field, strings.Join(fields, ", ")))
		}
	}
	for _, req := range []string{"order_id", "ordered_at"} {
		if strings.TrimSpace(m.Columns[req]) == "" {
			errs = append(errs, fmt.Errorf("columns: %s is required", req))
		}
	}
	switch m.Money {
	case "br", "":
		m.money = normalize.MoneyBR
	case "dot":
		m.money = normalize.MoneyDot
	default:
		errs = append(errs, fmt.Errorf("money: %q must be br (1.234,56) or dot (1234.56)", m.Money))
	}
	if m.Layout != "" {
		m.Layouts = append([]string{m.Layout}, m.Layouts...)
	}
	if len(m.Layouts) == 0 {
		m.Layouts = []string{normalize.LayoutBRDateTimeSeconds, normalize.LayoutBRDateTime, normalize.LayoutBRDate}
	}
	m.loc = normalize.SaoPaulo
	if m.Timezone != "" {
		loc, err := time.LoadLocation(m.Timezone)
		if err != nil {
			errs = append(errs, fmt.Errorf("timezone: %q is not a time zone name like America/Sao_Paulo", m.Timezone))
		} else {
			m.loc = loc
		}
	}
	switch {
	case m.Delimiter == "":
	case m.Delimiter == `\t` || m.Delimiter == "tab":
		m.delimiter = '\t'
	case utf8.RuneCountInString(m.Delimiter) == 1:
		m.delimiter, _ = utf8.DecodeRuneInString(m.Delimiter)
	default:
		errs = append(errs, fmt.Errorf("delimiter: %q must be one character", m.Delimiter))
	}
	switch m.Encoding {
	case "", tabular.EncodingUTF8, tabular.EncodingUTF8BOM, tabular.EncodingWindows1252, tabular.EncodingUTF16LE, tabular.EncodingUTF16BE:
	default:
		errs = append(errs, fmt.Errorf("encoding: %q must be utf-8, utf-8-bom, windows-1252, utf-16le or utf-16be", m.Encoding))
	}
	switch m.OrderAmounts {
	case "", "first", "sum":
	default:
		errs = append(errs, fmt.Errorf("order_amounts: %q must be first or sum", m.OrderAmounts))
	}
	for raw, st := range m.Status {
		if !normalize.Status(st).Valid() {
			errs = append(errs, fmt.Errorf("status: %q maps to %q, which is not one of pending, paid, shipped, delivered, cancelled, returned, unknown", raw, st))
		}
	}
	if m.HeaderRow < 0 {
		errs = append(errs, errors.New("header_row: must be 1 or more"))
	}
	return errors.Join(errs...)
}
