package testgen

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Config says what to generate. The zero value of a field means its default.
type Config struct {
	Seed int64
	// People is the population size (default 20000).
	People int
	// Lines is the number of data rows to write, shared evenly among the
	// layouts (default 100000). A data row is a line of the file after its
	// header (and, for Mercado Livre, cart summary rows count too).
	Lines int
	// Layouts to write (default: all of Layouts()).
	Layouts []string
	// Noise is "none", "default" or "heavy" (default "default").
	Noise string
	// From and To bound the order times, half-open: [From, To). Defaults:
	// 2024-01-01 and 2026-11-01, midnight in São Paulo.
	From, To time.Time
	// EarlySightings is the share of the orders Shopee's Order.all shows
	// masked that the seller also saw earlier, in clear, in a to-ship
	// export (0 to 1; default 0). They are written as monthly
	// Order.toship files besides the regular one, and need both Shopee
	// layouts. Their rows come on top of Lines.
	EarlySightings float64
	// OutDir receives the files (Generate only).
	OutDir string
}

// Layout names.
const (
	LayoutAmazon           = "amazon"
	LayoutAmazonLastUpdate = "amazon-last-update"
	LayoutShopify          = "shopify"
	LayoutMercadoLivre     = "mercadolivre"
	LayoutShopeeAll        = "shopee-all"
	LayoutShopeeToShip     = "shopee-toship"
	LayoutTikTok           = "tiktok"
	LayoutPtBRCSV          = "ptbr-csv"
)

// Layouts lists the layout names Generate accepts, in the order files are
// written.
func Layouts() []string {
	out := make([]string, len(layouts))
	for i, l := range layouts {
		out[i] = l.name
	}
	return out
}

// Validate reports the first problem with c, after defaults are applied.
func (c Config) Validate() error {
	_, err := c.normalized()
	return err
}

func (c Config) normalized() (Config, error) {
	if c.People == 0 {
		c.People = 20000
	}
	if c.Lines == 0 {
		c.Lines = 100000
	}
	if c.People < 0 {
		return c, fmt.Errorf("testgen: people must be positive, got %d", c.People)
	}
	if c.Lines < 0 {
		return c, fmt.Errorf("testgen: lines must not be negative, got %d", c.Lines)
	}
	if len(c.Layouts) == 0 {
		c.Layouts = Layouts()
	} else {
		seen := map[string]bool{}
		var ls []string
		for _, l := range c.Layouts {
			l = strings.TrimSpace(l)
			if l == "" || seen[l] {
				continue
			}
			if layoutByName(l) == nil {
				return c, fmt.Errorf("testgen: unknown layout %q (known: %s)", l, strings.Join(Layouts(), ", "))
			}
			seen[l] = true
			ls = append(ls, l)
		}
		if len(ls) == 0 {
			return c, errors.New("testgen: no layout given")
		}
		c.Layouts = ls
	}
	switch c.Noise {
	case "":
		c.Noise = NoiseDefault
	case NoiseNone, NoiseDefault, NoiseHeavy:
	default:
		return c, fmt.Errorf("testgen: noise must be none, default or heavy, got %q", c.Noise)
	}
	if c.EarlySightings < 0 || c.EarlySightings > 1 {
		return c, fmt.Errorf("testgen: early sightings must be a share between 0 and 1, got %g", c.EarlySightings)
	}
	if c.From.IsZero() {
		c.From = time.Date(2024, 1, 1, 0, 0, 0, 0, saoPaulo)
	}
	if c.To.IsZero() {
		c.To = time.Date(2026, 11, 1, 0, 0, 0, 0, saoPaulo)
	}
	if !c.To.After(c.From.Add(time.Hour)) {
		return c, fmt.Errorf("testgen: the period must be longer than an hour (from %s to %s)", c.From.Format(time.RFC3339), c.To.Format(time.RFC3339))
	}
	return c, nil
}

// rowsFor splits the line budget evenly; the first layouts take the
// remainder.
func (c Config) rowsFor(i int) int {
	k := len(c.Layouts)
	n := c.Lines / k
	if i < c.Lines%k {
		n++
	}
	return n
}
