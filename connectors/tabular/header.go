package tabular

import (
	"fmt"
	"strings"
)

// Header is a header row with lookup by name. Exports repeat names (Mercado
// Livre has "Estado" for the order status and for the buyer's state), so a
// plain map would silently keep the wrong one: every occurrence after the
// first is also reachable as "Group/Name" (the merged group row above it,
// where the file has one) and as "Name#2", "Name#3".
type Header struct {
	names []string
	index map[string]int
}

// NewHeader builds a header. groups, when not nil, holds the group name of
// each column (a merged row above the header; empty cells inherit the group
// to their left, as Excel's merged cells do).
func NewHeader(names, groups []string) Header {
	h := Header{names: names, index: make(map[string]int, len(names)*2)}
	seen := map[string]int{}
	group := ""
	for i, n := range names {
		if i < len(groups) && strings.TrimSpace(groups[i]) != "" {
			group = CleanHeader(groups[i])
		}
		k := foldHeader(n)
		if k == "" {
			continue
		}
		seen[k]++
		if seen[k] == 1 {
			h.index[k] = i
		} else {
			h.index[fmt.Sprintf("%s#%d", k, seen[k])] = i
		}
		if group != "" {
			gk := foldHeader(group) + "/" + k
			if _, dup := h.index[gk]; !dup {
				h.index[gk] = i
			}
		}
	}
	return h
}

func foldHeader(s string) string {
	return strings.ToLower(CleanHeader(s))
}

// Names returns the header cells as written.
func (h Header) Names() []string { return h.names }

// Index returns the position of a column, or -1. Names compare without
// regard to case or repeated spaces.
func (h Header) Index(name string) int {
	if i, ok := h.index[foldHeader(name)]; ok {
		return i
	}
	return -1
}

// Has reports whether the header has a column.
func (h Header) Has(name string) bool { return h.Index(name) >= 0 }

// Column describes one column a connector reads: the names it goes by across
// export vintages (first found wins) and whether a file without it is unusable.
type Column struct {
	Names    []string
	Required bool
	// Field is the canonical field the column feeds (an orders or
	// order_items column name), shown by `orderhist detect`.
	Field string
}

// RequiredNames lists the first name of each required column, in order:
// what a layout shows as the columns a file must have.
func RequiredNames(cols []Column) []string {
	var out []string
	for _, c := range cols {
		if c.Required {
			out = append(out, c.Names[0])
		}
	}
	return out
}

// MissingColumnsError lists the required columns a file lacks.
type MissingColumnsError struct {
	Missing []string
}

func (e *MissingColumnsError) Error() string {
	q := make([]string, len(e.Missing))
	for i, m := range e.Missing {
		q[i] = fmt.Sprintf("%q", m)
	}
	if len(q) == 1 {
		return "the header has no column " + q[0]
	}
	return "the header has no columns " + strings.Join(q, ", ")
}

// Mapping resolves a connector's columns to positions once per file, so rows
// are read by index, not by name.
type Mapping struct {
	pos   []int
	names []string
}

// Map resolves columns against the header. A required column that is absent
// makes a *MissingColumnsError naming every such column.
func (h Header) Map(cols []Column) (*Mapping, error) {
	m := &Mapping{pos: make([]int, len(cols)), names: make([]string, len(cols))}
	var missing []string
	for i, c := range cols {
		m.pos[i] = -1
		for _, n := range c.Names {
			if j := h.Index(n); j >= 0 {
				m.pos[i] = j
				m.names[i] = h.names[j]
				break
			}
		}
		if len(c.Names) > 0 && m.names[i] == "" {
			m.names[i] = c.Names[0]
		}
		if m.pos[i] < 0 && c.Required {
			missing = append(missing, c.Names[0])
		}
	}
	if missing != nil {
		return m, &MissingColumnsError{Missing: missing}
	}
	return m, nil
}

// Get returns column i of a row, "" when the file lacks the column.
func (m *Mapping) Get(cells []string, i int) string {
	p := m.pos[i]
	if p < 0 || p >= len(cells) {
		return ""
	}
	return cells[p]
}

// Has reports whether the file has column i.
func (m *Mapping) Has(i int) bool { return m.pos[i] >= 0 }

// Found reports, for each column, the header it was found under ("" when
// absent), in the order of the columns given to Map.
func (m *Mapping) Found() []string {
	out := make([]string, len(m.pos))
	for i, p := range m.pos {
		if p >= 0 {
			out[i] = m.names[i]
		}
	}
	return out
}

// Name is the header of column i as the file writes it, for messages.
func (m *Mapping) Name(i int) string { return m.names[i] }

// Score counts how many of names a header has; detection uses it to pick
// the closest layout.
func (h Header) Score(names []string) int {
	n := 0
	for _, name := range names {
		if h.Has(name) {
			n++
		}
	}
	return n
}
