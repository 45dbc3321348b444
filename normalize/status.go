package normalize

import "strings"

// StatusRule maps marketplace status texts to the contract's vocabulary. Match
// receives the raw status cleaned (CleanText), lower-cased and with accents
// folded, punctuation kept: "Devolução a caminho" arrives as "devolucao a
// caminho", "partially_paid" as itself.
type StatusRule struct {
	Match  func(lowerRaw string) bool
	Status Status
}

// StatusFromRules returns the Status of the first rule matching raw, or
// StatusUnknown when none does or raw is empty. Marketplace statuses are
// free text with embedded dates ("Para enviar no dia 17 de março"), so
// connectors write prefix and substring rules rather than a lookup table,
// and order them from the most specific.
func StatusFromRules(raw string, rules []StatusRule) Status {
	k := foldKey(raw)
	if k == "" {
		return StatusUnknown
	}
	for _, r := range rules {
		if r.Match != nil && r.Match(k) {
			return r.Status
		}
	}
	return StatusUnknown
}

// foldAll puts rule arguments in the form Match receives, so rules can be
// written with accents and capitals ("Devolução").
func foldAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = foldKey(s)
	}
	return out
}

// Prefix matches statuses starting with any of ss.
func Prefix(ss ...string) func(string) bool {
	f := foldAll(ss)
	return func(k string) bool {
		for _, p := range f {
			if strings.HasPrefix(k, p) {
				return true
			}
		}
		return false
	}
}

// Contains matches statuses containing any of ss.
func Contains(ss ...string) func(string) bool {
	f := foldAll(ss)
	return func(k string) bool {
		for _, p := range f {
			if strings.Contains(k, p) {
				return true
			}
		}
		return false
	}
}

// Equals matches statuses equal to any of ss.
func Equals(ss ...string) func(string) bool {
	f := foldAll(ss)
	return func(k string) bool {
		for _, p := range f {
			if k == p {
				return true
			}
		}
		return false
	}
}

// Valid reports whether s is one of the contract's statuses.
func (s Status) Valid() bool {
	switch s {
	case StatusPending, StatusPaid, StatusShipped, StatusDelivered, StatusCancelled, StatusReturned, StatusUnknown:
		return true
	}
	return false
}
