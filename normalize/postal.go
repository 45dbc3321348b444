package normalize

import (
	"strings"
	"unicode/utf8"
)

// ParseCEP reads a Brazilian postal code into 8 digits ("01001000"). It
// strips "-", ".", spaces, a leading apostrophe (Shopify's "'01001-000") and
// a "CEP" label. Seven bare digits get back the leading zero Excel dropped
// ("1001000"): every CEP of Greater São Paulo starts with 0, and a
// spreadsheet that read the column as numbers loses it. Seven digits with
// punctuation ("0100-100") were typed as text, lost nothing to Excel, and
// are refused. A 5-digit value is
// refused rather than padded: it is a CEP prefix (Olist's zip prefixes),
// and "01001" + "000" would invent a street. "00000000" and masked values
// give ("", nil).
func ParseCEP(s string) (string, error) {
	t := trimValue(s)
	t = trimValue(strings.TrimPrefix(t, "'"))
	if isEmpty(t) || IsMasked(t) {
		return "", nil
	}
	v := t
	if len(v) >= 3 && strings.EqualFold(v[:3], "CEP") {
		v = strings.TrimLeft(trimValue(v[3:]), ":")
	}
	var buf [8]byte
	n := 0
	punct := false
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case isDigit(c):
			if n == len(buf) {
				return "", cepErr(s, t, "")
			}
			buf[n] = c
			n++
		case c == '-' || c == '.' || c == ' ' || c == '\t':
			punct = true
		case c >= utf8.RuneSelf:
			r, size := utf8.DecodeRuneInString(v[i:])
			if !isSpace(r) && !isInvisible(r) {
				return "", cepErr(s, t, "")
			}
			i += size - 1
		default:
			return "", cepErr(s, t, "")
		}
	}
	switch n {
	case 8:
	case 7:
		// Only a bare number lost a zero; "0100-100" was typed as text.
		if punct {
			return "", cepErr(s, t, "")
		}
		copy(buf[1:], buf[:7])
		buf[0] = '0'
	case 5:
		return "", cepErr(s, t, "it is only the first 5 digits of a CEP")
	default:
		return "", cepErr(s, t, "")
	}
	if string(buf[:]) == "00000000" {
		return "", nil
	}
	if s == string(buf[:]) {
		return s, nil
	}
	return string(buf[:]), nil
}

func cepErr(raw, trimmed, why string) error {
	msg := quote(trimmed) + " is not a CEP like 01001-000"
	if why != "" {
		msg += ": " + why
	}
	return valueErr(raw, msg)
}

// ufNames maps state codes and names, in NameKey form, to UF codes.
var ufNames = func() map[string]string {
	m := map[string]string{}
	for _, e := range []struct{ uf, names string }{
		{"AC", "Acre"},
		{"AL", "Alagoas"},
		{"AP", "Amapá"},
		{"AM", "Amazonas"},
		{"BA", "Bahia"},
		{"CE", "Ceará"},
		{"DF", "Distrito Federal|Brasília"},
		{"ES", "Espírito Santo"},
		{"GO", "Goiás"},
		{"MA", "Maranhão"},
		{"MT", "Mato Grosso"},
		{"MS", "Mato Grosso do Sul"},
		{"MG", "Minas Gerais|Minas"},
		{"PA", "Pará"},
		{"PB", "Paraíba"},
		{"PR", "Paraná"},
		{"PE", "Pernambuco"},
		{"PI", "Piauí"},
		{"RJ", "Rio de Janeiro"},
		{"RN", "Rio Grande do Norte"},
		{"RS", "Rio Grande do Sul"},
		{"RO", "Rondônia"},
		{"RR", "Roraima"},
		{"SC", "Santa Catarina"},
		{"SP", "São Paulo"},
		{"SE", "Sergipe"},
		{"TO", "Tocantins"},
	} {
		m[strings.ToLower(e.uf)] = e.uf
		for name := range strings.SplitSeq(e.names, "|") {
			m[NameKey(name)] = e.uf
			m[NameKey("Estado de "+name)] = e.uf
			m[NameKey("Estado do "+name)] = e.uf
			m[NameKey("Estado da "+name)] = e.uf
		}
	}
	return m
}()

// ParseUF reads a state as its UF code ("SP"). Mercado Livre, its billing
// API and Shopee write the state's name ("São Paulo") in their "UF" and
// "Estado" columns, often without accents or in capitals ("SAO PAULO"), so
// names are matched in NameKey form. Codes are accepted in any case. Empty
// input gives "".
func ParseUF(s string) (string, error) {
	t := trimValue(s)
	if isEmpty(t) {
		return "", nil
	}
	if len(t) == 2 {
		var k [2]byte
		k[0], k[1] = t[0]|0x20, t[1]|0x20
		if uf, ok := ufNames[string(k[:])]; ok {
			return uf, nil
		}
	}
	if uf, ok := ufNames[NameKey(t)]; ok {
		return uf, nil
	}
	return "", valueErr(s, quote(t)+" is not a Brazilian state (UF) like SP or São Paulo")
}

// countries maps what exports write in country columns (ISO 3166-1 alpha-2
// and alpha-3 codes, English and Portuguese names, in NameKey form) to
// alpha-2. It covers Brazil and the countries Brazilian stores ship to most:
// the Americas, Western Europe and the Portuguese-speaking world. A complete
// ISO list would mostly add names nobody in these exports writes.
var countries = func() map[string]string {
	m := map[string]string{}
	for _, e := range []string{
		"BR BRA Brasil|Brazil|República Federativa do Brasil",
		"AR ARG Argentina",
		"BO BOL Bolívia|Bolivia",
		"CL CHL Chile",
		"CO COL Colômbia|Colombia",
		"EC ECU Equador|Ecuador",
		"GY GUY Guiana|Guyana",
		"PY PRY Paraguai|Paraguay",
		"PE PER Peru|Perú",
		"SR SUR Suriname",
		"UY URY Uruguai|Uruguay",
		"VE VEN Venezuela",
		"GF GUF Guiana Francesa|French Guiana",
		"MX MEX México|Mexico",
		"US USA Estados Unidos|United States|United States of America|EUA|EE UU",
		"CA CAN Canadá|Canada",
		"CR CRI Costa Rica",
		"PA PAN Panamá|Panama",
		"CU CUB Cuba",
		"DO DOM República Dominicana|Dominican Republic",
		"PT PRT Portugal",
		"ES ESP Espanha|Spain|España",
		"FR FRA França|France",
		"DE DEU Alemanha|Germany|Deutschland",
		"IT ITA Itália|Italy|Italia",
		"NL NLD Holanda|Países Baixos|Netherlands|The Netherlands|Nederland",
		"BE BEL Bélgica|Belgium",
		"LU LUX Luxemburgo|Luxembourg",
		"CH CHE Suíça|Switzerland",
		"AT AUT Áustria|Austria",
		"IE IRL Irlanda|Ireland",
		"GB GBR Reino Unido|United Kingdom|UK|Great Britain|Inglaterra|England",
		"SE SWE Suécia|Sweden",
		"NO NOR Noruega|Norway",
		"DK DNK Dinamarca|Denmark",
		"FI FIN Finlândia|Finland",
		"PL POL Polônia|Poland",
		"AO AGO Angola",
		"MZ MOZ Moçambique|Mozambique",
		"CV CPV Cabo Verde|Cape Verde",
		"JP JPN Japão|Japan",
		"CN CHN China",
		"AU AUS Austrália|Australia",
		"IL ISR Israel",
	} {
		f := strings.SplitN(e, " ", 3)
		keys := []string{strings.ToLower(f[0]), strings.ToLower(f[1])}
		for name := range strings.SplitSeq(f[2], "|") {
			keys = append(keys, NameKey(name))
		}
		for _, k := range keys {
			if prev, dup := m[k]; dup && prev != f[0] {
				panic("normalize: country key " + k + " means both " + prev + " and " + f[0])
			}
			m[k] = f[0]
		}
	}
	return m
}()

// ParseCountry reads a country as ISO 3166-1 alpha-2 ("BR" for "Brasil",
// "Brazil", "BRA", "br"). Empty input gives "".
func ParseCountry(s string) (string, error) {
	t := trimValue(s)
	if isEmpty(t) {
		return "", nil
	}
	if c, ok := countries[NameKey(t)]; ok {
		return c, nil
	}
	return "", valueErr(s, quote(t)+" is not a country this tool knows, like Brasil or BR")
}
