package normalize

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// placeholderEmails are whole values sellers and checkout forms type when the
// buyer has no address (compared lower-case, accents folded).
var placeholderEmails = map[string]bool{
	"sem email": true, "sem e-mail": true, "sememail": true, "sem": true,
	"nao tem": true, "naotem": true, "nao possui": true, "nao informado": true, "nao": true,
	"n/a": true, "na": true, "n/d": true, "nd": true, "nenhum": true, "none": true,
	"null": true, "nil": true, "x": true, "0": true, "--": true, ".": true,
	"email": true, "e-mail": true,
}

// placeholderLocals are local parts that say "no address" whatever the
// domain ("semmail@gmail.com", "naotem@hotmail.com"). Nobody buys under
// them: they exist to get past a required field.
var placeholderLocals = map[string]bool{
	"semmail": true, "sememail": true, "sem.email": true, "sem_email": true, "sem-email": true, "sem": true,
	"naotem": true, "nao.tem": true, "nao_tem": true, "nao": true, "naopossui": true,
	"naoinformado": true, "nao.informado": true, "nenhum": true,
	"noemail": true, "no-email": true, "no.email": true, "email": true, "teste": true, "test": true,
}

// placeholderDomains are domains made up for the same purpose.
var placeholderDomains = map[string]bool{
	"teste.com": true, "teste.com.br": true, "test.com": true,
	"sememail.com": true, "sememail.com.br": true, "semmail.com": true, "semmail.com.br": true,
	"naotem.com": true, "naotem.com.br": true,
}

// relayDomains are marketplaces' forwarding domains: an address there
// reaches the buyer only through that marketplace and identifies them only
// within it.
var relayDomains = []string{
	"marketplace.amazon.com.br",
	"marketplace.amazon.com",
	"mail.mercadolivre.com",
	"mail.mercadolibre.com",
}

// ParseEmail cleans an e-mail address and says whose it is. It trims,
// removes invisible characters, lower-cases, and strips "mailto:", a display
// name with its angle brackets ("Maria <maria@x.com>") and trailing dots.
// Placeholders ("sem email", "n/a", "semmail@…", "teste@teste.com",
// "x@x.com" and any other address whose local part repeats the domain's
// name) give ("", EmailNone, nil). Marketplace relay addresses (Amazon's
// …@marketplace.amazon.com.br, Mercado Livre's …@mail.mercadolivre.com) and
// masked ones ("a****@gmail.com") are EmailRelay; the rest EmailPersonal.
// The check is deliberately loose on the local part (providers disagree on
// what it may hold) and strict on the shape: one "@", something before it,
// a domain with a dot, no spaces.
func ParseEmail(s string) (addr string, kind EmailKind, err error) {
	t := trimValue(s)
	if isEmpty(t) {
		return "", EmailNone, nil
	}
	t = strings.ToLower(CleanText(t))
	if len(t) >= 7 && t[:7] == "mailto:" {
		t = trimValue(t[7:])
	}
	if i := strings.LastIndexByte(t, '<'); i >= 0 && strings.HasSuffix(t, ">") {
		t = trimValue(t[i+1 : len(t)-1])
	}
	t = strings.TrimRight(t, ".")
	if isEmpty(t) || placeholderEmails[foldKey(t)] {
		return "", EmailNone, nil
	}
	at := strings.IndexByte(t, '@')
	if at < 0 && strings.IndexByte(t, '*') >= 0 {
		return "", EmailNone, nil
	}
	if why := emailProblem(t, at); why != "" {
		return "", EmailNone, valueErr(s, quoteMasked(t)+" is not an e-mail address: "+why)
	}
	local, domain := t[:at], t[at+1:]
	if placeholderLocals[local] || placeholderDomains[domain] || isSelfDomain(local, domain) {
		return "", EmailNone, nil
	}
	if strings.IndexByte(t, '*') >= 0 {
		return t, EmailRelay, nil
	}
	for _, d := range relayDomains {
		if domain == d || strings.HasSuffix(domain, "."+d) {
			return t, EmailRelay, nil
		}
	}
	return t, EmailPersonal, nil
}

// isSelfDomain spots "x@x.com", "email@email.com", "teste@teste.com.br":
// a local part equal to the domain's first label is what people type to
// fill a field, and a real buyer's address hardly ever looks like that.
func isSelfDomain(local, domain string) bool {
	dot := strings.IndexByte(domain, '.')
	return dot > 0 && domain[:dot] == local
}

// emailProblem returns why t is not an address, or "".
func emailProblem(t string, at int) string {
	switch {
	case at < 0:
		return "it has no @"
	case strings.Count(t, "@") > 1:
		return "it has more than one @"
	case at == 0:
		return "there is nothing before the @"
	case at == len(t)-1:
		return "there is nothing after the @"
	case strings.ContainsAny(t, " \t"):
		return "it has a space"
	}
	local, domain := t[:at], t[at+1:]
	for _, r := range local {
		if r < utf8.RuneSelf && (r <= ' ' || strings.ContainsRune(`()<>[]\,;:"`, r)) || r == utf8.RuneError {
			return "it has characters an address cannot have"
		}
	}
	for _, r := range domain {
		if !(r < utf8.RuneSelf && (isASCIILetter(byte(r)) || isDigit(byte(r)) || r == '-' || r == '*' || r == '.') || r >= utf8.RuneSelf && unicode.IsLetter(r)) {
			return "the domain after the @ has characters a domain cannot have"
		}
	}
	if strings.IndexByte(domain, '.') < 0 {
		return "the domain after the @ has no dot"
	}
	for label := range strings.SplitSeq(domain, ".") {
		if label == "" {
			return "the domain after the @ is malformed"
		}
	}
	tld := domain[strings.LastIndexByte(domain, '.')+1:]
	if len(tld) < 2 || allDigits(tld) {
		return "the domain after the @ does not end like .com or .br"
	}
	return ""
}

// EmailMatchKey is the form addresses are compared in when linking
// customers. A "+tag" is removed everywhere: Gmail, Outlook, iCloud and most
// large providers deliver "maria+loja@" to "maria@", and a "+" is rarely
// allowed at sign-up anywhere else, so stripping it merges no two people.
// Dots are removed only for Gmail (and its old googlemail.com name), where
// Google documents that they are ignored; at Hotmail, Yahoo, UOL or BOL
// "joao.silva" and "joaosilva" are different mailboxes and merging them
// could join two customers. Applying it twice changes nothing.
func EmailMatchKey(addr string) string {
	a := trimValue(strings.ToLower(addr))
	at := strings.LastIndexByte(a, '@')
	if at < 0 {
		return a
	}
	local, domain := a[:at], a[at+1:]
	if p := strings.IndexByte(local, '+'); p > 0 {
		local = local[:p]
	}
	if domain == "googlemail.com" {
		domain = "gmail.com"
	}
	if domain == "gmail.com" {
		local = strings.ReplaceAll(local, ".", "")
	}
	// Removing dots can leave spaces at the edge of a malformed address;
	// trimming them keeps the key idempotent.
	return trimValue(local) + "@" + domain
}
