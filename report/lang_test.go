package report

import (
	"bytes"
	"maps"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/orderhist/orderhist/history"
)

// TestMessagesComplete: both languages have every message, and a rendered
// page shows no message key in place of a text.
func TestMessagesComplete(t *testing.T) {
	pt := slices.Sorted(maps.Keys(messagesPT))
	en := slices.Sorted(maps.Keys(messagesEN))
	if !slices.Equal(pt, en) {
		t.Fatalf("the languages have different messages:\npt-BR %v\nen    %v", pt, en)
	}
	loc, _ := time.LoadLocation(history.DefaultZone)
	r := &Report{AsOf: time.Date(2026, 6, 30, 0, 0, 0, 0, loc), Location: loc, Rules: history.DefaultRules,
		TopCustomers: map[string][]*history.Customer{}, Products: map[history.Segment][]history.Product{}}
	for _, s := range history.Segments {
		r.Segments = append(r.Segments, SegmentSummary{Segment: s})
	}
	// Keys with an underscore cannot be mistaken for HTML (<title>).
	var quoted []string
	for _, k := range pt {
		if strings.Contains(k, "_") {
			quoted = append(quoted, regexp.QuoteMeta(k))
		}
	}
	keys := regexp.MustCompile(`\b(` + strings.Join(quoted, "|") + `)\b`)
	for _, lang := range Languages {
		var b bytes.Buffer
		if err := Render(&b, r, lang); err != nil {
			t.Fatal(err)
		}
		if m := keys.FindString(b.String()); m != "" {
			t.Errorf("%s: the page shows the message key %q", lang, m)
		}
	}
}

func TestParseLang(t *testing.T) {
	for _, tc := range []struct{ in, want string }{{"pt-BR", "pt-BR"}, {"pt-br", "pt-BR"}, {"en", "en"}, {"EN", "en"}, {"fr", ""}, {"", ""}} {
		got, err := ParseLang(tc.in)
		if got != tc.want || (err != nil) != (tc.want == "") {
			t.Errorf("ParseLang(%q) = %q, %v", tc.in, got, err)
		}
	}
}
