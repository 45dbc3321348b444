package testgen

import (
	"math/rand/v2"
	"strings"
)

// Noise levels.
const (
	NoiseNone    = "none"
	NoiseDefault = "default"
	NoiseHeavy   = "heavy"
)

// noise holds the probability of each kind of noise. README.md lists the
// same numbers; a change here must change it too.
type noise struct {
	level string

	nameTypo, nameNoAccents, nameUpper, nameLower, nameShort float64
	emailCase, gmailDots, emailTag, emailSpaces              float64
	missingDoc, missingEmail, missingPhone                   float64
	placeholder                                              float64
	gift                                                     float64
	landlineAsPhone                                          float64
	cityNoAccents, cityUpper, ufAsName                       float64
	streetAbbrev                                             float64
	amazonNoCPF                                              float64
	legacyPhone                                              float64
	cepNoZero, cpfNoZero                                     float64
	// formatMix is the share of values written in a non-canonical but valid
	// format (CPF with or without punctuation, CEP with or without hyphen,
	// phone layouts).
	formatMix float64
}

func newNoise(level string) noise {
	switch level {
	case NoiseNone:
		return noise{level: level}
	case NoiseHeavy:
		return noise{level: level,
			nameTypo: 0.10, nameNoAccents: 0.30, nameUpper: 0.12, nameLower: 0.06, nameShort: 0.25,
			emailCase: 0.15, gmailDots: 0.25, emailTag: 0.10, emailSpaces: 0.05,
			missingDoc: 0.15, missingEmail: 0.12, missingPhone: 0.15, placeholder: 0.06, gift: 0.08,
			landlineAsPhone: 0.4, cityNoAccents: 0.35, cityUpper: 0.12, ufAsName: 0.15, streetAbbrev: 0.3,
			amazonNoCPF: 0.25, legacyPhone: 0.05, cepNoZero: 0.3, cpfNoZero: 0.3, formatMix: 0.8,
		}
	default:
		return noise{level: NoiseDefault,
			nameTypo: 0.03, nameNoAccents: 0.10, nameUpper: 0.04, nameLower: 0.02, nameShort: 0.10,
			emailCase: 0.05, gmailDots: 0.10, emailTag: 0.03, emailSpaces: 0,
			missingDoc: 0.05, missingEmail: 0.04, missingPhone: 0.05, placeholder: 0.02, gift: 0.03,
			landlineAsPhone: 0.2, cityNoAccents: 0.15, cityUpper: 0.05, ufAsName: 0.05, streetAbbrev: 0.1,
			amazonNoCPF: 0.10, legacyPhone: 0, cepNoZero: 0, cpfNoZero: 0, formatMix: 0.5,
		}
	}
}

// name is how a buyer typed their name into one order's form.
func (n *noise) name(r *rand.Rand, p *Person) string {
	s := p.Name
	if !p.Company && chance(r, n.nameShort) {
		s = p.ShortName
	}
	if chance(r, n.nameNoAccents) {
		s = dropAccents(s)
	}
	if chance(r, n.nameTypo) {
		s = typo(r, s)
	}
	switch {
	case chance(r, n.nameUpper):
		s = strings.ToUpper(s)
	case chance(r, n.nameLower):
		s = strings.ToLower(s)
	}
	return s
}

// email varies case, gmail dots and +tags: all reach the same mailbox, so
// a resolver must normalise them to link the orders.
func (n *noise) email(r *rand.Rand, e string) string {
	if e == "" {
		return ""
	}
	local, domain, _ := strings.Cut(e, "@")
	if domain == "gmail.com" && chance(r, n.gmailDots) {
		if strings.Contains(local, ".") && chance(r, 0.5) {
			local = strings.ReplaceAll(local, ".", "")
		} else if len(local) > 2 {
			i := 1 + r.IntN(len(local)-1)
			if local[i-1] != '.' && local[i] != '.' {
				local = local[:i] + "." + local[i:]
			}
		}
	}
	if chance(r, n.emailTag) && !strings.Contains(local, "+") {
		local += "+" + pick(r, []string{"loja", "compras", "promo", "ml", "shop"})
	}
	out := local + "@" + domain
	if chance(r, n.emailCase) {
		if chance(r, 0.3) {
			out = strings.ToUpper(out)
		} else {
			out = strings.ToUpper(out[:1]) + out[1:]
			if i := strings.IndexByte(out, '@'); i+1 < len(out) {
				out = out[:i+1] + strings.ToUpper(out[i+1:i+2]) + out[i+2:]
			}
		}
	}
	if chance(r, n.emailSpaces) {
		out = " " + out + " "
	}
	return out
}

type phoneStyle int

const (
	phoneMasked  phoneStyle = iota // (11) 98765-4321
	phoneDigits                    // 11987654321
	phoneE164                      // +5511987654321
	phoneTrunk                     // 0xx11987654321
	phoneSpaced                    // +55 11 98765-4321
	phoneTrunk0                    // 011 98765-4321
	phoneNoSpace                   // (11)98765-4321
)

// formatPhone renders an E.164 Brazilian number in one of the layouts
// Brazilian forms produce.
func formatPhone(e164 string, style phoneStyle) string {
	if len(e164) < 12 {
		return e164
	}
	ddd, num := e164[3:5], e164[5:]
	split := len(num) - 4
	switch style {
	case phoneDigits:
		return ddd + num
	case phoneE164:
		return e164
	case phoneTrunk:
		return "0xx" + ddd + num
	case phoneSpaced:
		return "+55 " + ddd + " " + num[:split] + "-" + num[split:]
	case phoneTrunk0:
		return "0" + ddd + " " + num[:split] + "-" + num[split:]
	case phoneNoSpace:
		return "(" + ddd + ")" + num[:split] + "-" + num[split:]
	default:
		return "(" + ddd + ") " + num[:split] + "-" + num[split:]
	}
}

// phone renders a buyer's number for a free-text phone field whose usual
// format is canonical.
func (n *noise) phone(r *rand.Rand, e164 string, canonical phoneStyle) string {
	if chance(r, n.legacyPhone) && len(e164) == 14 {
		// Pre-2016 mobile without the ninth digit.
		e164 = e164[:5] + e164[6:]
	}
	style := canonical
	if chance(r, n.formatMix) {
		style = phoneStyle(r.IntN(7))
	}
	return formatPhone(e164, style)
}

// document renders a CPF or CNPJ for a free-text field. excel marks files
// that went through a spreadsheet, which turns digit strings into numbers.
func (n *noise) document(r *rand.Rand, d string, canonicalMasked, excel bool) string {
	masked := canonicalMasked
	if chance(r, n.formatMix) {
		masked = !masked
	}
	if excel && len(d) == 11 && d[0] == '0' && chance(r, n.cpfNoZero) {
		// Excel turned the column into numbers.
		return strings.TrimLeft(d, "0")
	}
	if masked {
		return formatDocument(d)
	}
	return d
}

// cep renders a CEP, with or without its hyphen.
func (n *noise) cep(r *rand.Rand, c string, canonicalHyphen, excel bool) string {
	if excel && c[0] == '0' && chance(r, n.cepNoZero) {
		return strings.TrimLeft(c, "0")
	}
	h := canonicalHyphen
	if chance(r, n.formatMix*0.5) {
		h = !h
	}
	if h {
		return formatCEP(c)
	}
	return c
}

func (n *noise) city(r *rand.Rand, c string) string {
	if chance(r, n.cityNoAccents) {
		c = dropAccents(c)
	}
	if chance(r, n.cityUpper) {
		c = strings.ToUpper(c)
	}
	return c
}

// uf writes a state code, or now and then the state's name, as people type
// into free "state" fields.
func (n *noise) uf(r *rand.Rand, a Address) string {
	if chance(r, n.ufAsName) {
		if chance(r, 0.5) {
			return dropAccents(a.State)
		}
		return a.State
	}
	return a.UF
}

func (n *noise) street(r *rand.Rand, s string) string {
	if chance(r, n.streetAbbrev) {
		switch {
		case strings.HasPrefix(s, "Rua "):
			return "R. " + s[4:]
		case strings.HasPrefix(s, "Avenida "):
			return "Av. " + s[8:]
		case strings.HasPrefix(s, "Travessa "):
			return "Tv. " + s[9:]
		}
	}
	return s
}

// Placeholders that data-entry people type when the buyer gave nothing.
// Many unrelated orders share them, so they must never link buyers.
const (
	placeholderCPF   = "000.000.000-00"
	placeholderEmail = "sem email"
	placeholderPhone = "(11) 99999-9999"
)
