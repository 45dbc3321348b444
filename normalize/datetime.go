package normalize

import (
	"math"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // the zone rules travel with the binary: many servers and containers have no tz database
	"unicode/utf8"
)

// SaoPaulo is Brasília time, the zone Brazilian exports write wall times in.
// It is loaded from the tz database rather than fixed at -03:00 because
// Brazil kept daylight saving time until 2019: February 2018 was -02:00.
var SaoPaulo = mustLoadLocation("America/Sao_Paulo")

// UTCPlus8 is the zone of Shopee order-number dates and SHEIN API times.
var UTCPlus8 = time.FixedZone("UTC+8", 8*3600)

func mustLoadLocation(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		// Unreachable with time/tzdata linked in.
		panic(err)
	}
	return loc
}

// EarliestDate is the first day an order may be dated: no marketplace a
// seller exports from sold online before it, and dates before it in an
// export are typos or placeholders (01/01/0001, 1899-12-30).
var EarliestDate = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// LastDate is the last instant a date may have when no clock bounds it: the
// end of 2099. Placeholders like 31/12/9999 lie beyond it, and so do the
// dates readers that count nanoseconds (pandas, Spark) cannot read back
// (after 2262-04-11).
var LastDate = time.Date(2099, 12, 31, 23, 59, 59, 999_999_999, time.UTC)

// AnyDate is the range of dates when no clock is known: EarliestDate to
// LastDate.
var AnyDate = DateRange{From: EarliestDate, To: LastDate}

// DateRange is the span of dates a value may have; a date outside it is a
// typo, a placeholder (31/12/9999) or a damaged file, and the dataset does
// not keep it.
type DateRange struct {
	From, To time.Time // both included
}

// PlausibleDates is the range of dates orders may carry in a run whose
// clock reads now: EarliestDate to a year after now (clocks, time zones and
// scheduled orders run a little ahead; a year is far beyond them).
func PlausibleDates(now time.Time) DateRange {
	return DateRange{From: EarliestDate, To: now.UTC().AddDate(1, 0, 0)}
}

// Check says, in words a seller can act on, why t is outside the range;
// the zero time (no date) is never outside it.
func (r DateRange) Check(t time.Time) error {
	switch {
	case t.IsZero():
		return nil
	case t.Before(r.From):
		return valueErr(t.Format(time.RFC3339), "the date is before "+r.From.UTC().Format(time.DateOnly)+", the earliest an order may have: a typo or a placeholder")
	case t.After(r.To):
		if r.To.Equal(LastDate) {
			return valueErr(t.Format(time.RFC3339), "the date is after 2099: a typo or a placeholder")
		}
		return valueErr(t.Format(time.RFC3339), "the date is after "+r.To.UTC().Format(time.DateOnly)+", a year after this run: a typo or a placeholder")
	}
	return nil
}

// Layouts the connectors pass to ParseLocalTime.
const (
	LayoutISODateTimeMinute = "2006-01-02 15:04"          // Shopee export
	LayoutISODateTime       = "2006-01-02 15:04:05"       // Olist, SHEIN API
	LayoutUSDateTime12      = "01/02/2006 03:04:05 PM"    // TikTok export; single-digit month, day and hour also read
	LayoutBRDateTime        = "02/01/2006 15:04"          // pt-BR Excel CSV; single-digit day and month also read
	LayoutBRDateTimeSeconds = "02/01/2006 15:04:05"       // same, with seconds
	LayoutBRDate            = "02/01/2006"                // same, date only
	LayoutShopify           = "2006-01-02 15:04:05 -0700" // Shopify export
	LayoutRFC3339           = time.RFC3339                // APIs; fractional seconds and "Z" also read
)

// relaxedLayouts read the same values as the exported layouts and also the
// unpadded ones ("3/7/2026 9:05:00 AM") that Excel writes once it has
// reformatted a column. Go's non-padded verbs accept both widths.
var relaxedLayouts = map[string]string{
	LayoutUSDateTime12:      "1/2/2006 3:04:05 PM",
	LayoutBRDateTime:        "2/1/2006 15:04",
	LayoutBRDateTimeSeconds: "2/1/2006 15:04:05",
	LayoutBRDate:            "2/1/2006",
}

// exampleTime renders layouts in error messages, so a seller sees the shape
// expected rather than Go's reference date.
var exampleTime = time.Date(2026, 2, 10, 17, 30, 0, 0, time.FixedZone("-03", -3*3600))

// ParseLocalTime reads s with the first layout that fits. Layouts with a
// zone or offset use it; the others are wall times in loc. The result is in
// UTC. Empty input gives the zero time and no error.
func ParseLocalTime(s string, loc *time.Location, layouts ...string) (time.Time, error) {
	t := trimValue(s)
	if isEmpty(t) {
		return time.Time{}, nil
	}
	if len(layouts) == 0 {
		return time.Time{}, valueErr(s, "no date layout given")
	}
	if loc == nil {
		loc = time.UTC
	}
	v := t
	if hasInnerOddSpace(v) {
		v = CleanText(v)
	}
	for _, layout := range layouts {
		l := layout
		if r, ok := relaxedLayouts[layout]; ok {
			l = r
		}
		if tm, err := time.ParseInLocation(l, v, loc); err == nil {
			return tm.UTC(), nil
		}
	}
	return time.Time{}, valueErr(s, quote(t)+" is not a date like "+exampleTime.Format(layouts[0]))
}

// hasInnerOddSpace reports characters CleanText would change inside a
// trimmed value; most timestamps have none, and then parsing allocates
// nothing.
func hasInnerOddSpace(s string) bool {
	prev := byte(0)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf || c < ' ' || c == ' ' && prev == ' ' {
			return true
		}
		prev = c
	}
	return false
}

var ptMonths = [...]string{"janeiro", "fevereiro", "marco", "abril", "maio", "junho", "julho", "agosto", "setembro", "outubro", "novembro", "dezembro"}

// ParsePortugueseDateTime reads Mercado Livre's long dates:
// "2 de fevereiro de 2026 15:44 hs." (also without "hs.", with "h", "15h44",
// seconds, any case, "março" or "marco", three-letter months, "1º") and the
// yearless "4 de março | 00:24" of delivery columns. A yearless date takes
// the year that puts it at or after ref, the sale date, and within a year of
// it, so a sale on 28 Dec 2025 delivered "2 de janeiro" lands in 2026. A day
// of slack keeps a same-day event logged a little before the sale in the
// sale's year. The wall time is read in loc; the result is in UTC.
func ParsePortugueseDateTime(s string, loc *time.Location, ref time.Time) (time.Time, error) {
	t := trimValue(s)
	if isEmpty(t) {
		return time.Time{}, nil
	}
	if loc == nil {
		loc = time.UTC
	}
	bad := func() (time.Time, error) {
		return time.Time{}, valueErr(s, quote(t)+" is not a date like 2 de fevereiro de 2026 15:44")
	}
	p := ptScanner{s: t}
	day, ok := p.number(1, 2)
	if !ok {
		return bad()
	}
	p.ordinal()
	p.spaces()
	p.word("de")
	month := p.month()
	if month == 0 {
		return bad()
	}
	year, hasYear := 0, false
	save := p.i
	p.spaces()
	p.word("de")
	if year, hasYear = p.number(4, 4); !hasYear {
		p.i = save
	}
	p.separators()
	hour, ok := p.number(1, 2)
	if !ok {
		if p.i == len(p.s) {
			return time.Time{}, valueErr(s, quote(t)+" has no time of day")
		}
		return bad()
	}
	if !p.byte(':') && !p.byte('h') && !p.byte('H') {
		return bad()
	}
	minute, ok := p.number(2, 2)
	if !ok {
		return bad()
	}
	sec := 0
	if p.byte(':') {
		if sec, ok = p.number(2, 2); !ok {
			return bad()
		}
	}
	p.hourSuffix()
	if p.i != len(p.s) || hour > 23 || minute > 59 || sec > 59 || day < 1 || day > 31 {
		return bad()
	}

	if hasYear {
		if !realDate(year, month, day) {
			return time.Time{}, valueErr(s, quote(t)+" is not a real date")
		}
		return time.Date(year, month, day, hour, minute, sec, 0, loc).UTC(), nil
	}
	if ref.IsZero() {
		return time.Time{}, valueErr(s, quote(t)+" has no year and the order date is unknown")
	}
	refLocal := ref.In(loc)
	earliest := ref.Add(-24 * time.Hour)
	for y := refLocal.Year() - 1; y <= refLocal.Year()+1; y++ {
		if !realDate(y, month, day) {
			continue // 29 February outside a leap year
		}
		tm := time.Date(y, month, day, hour, minute, sec, 0, loc)
		if !tm.Before(earliest) {
			if tm.Sub(ref) > 366*24*time.Hour {
				break
			}
			return tm.UTC(), nil
		}
	}
	return time.Time{}, valueErr(s, quote(t)+" has no year and no date within a year of the order fits it")
}

// realDate checks the calendar alone, in UTC: in loc, a wall time inside a
// DST gap (Brazil's DST began at midnight) can land on the previous day.
func realDate(y int, m time.Month, d int) bool {
	return time.Date(y, m, d, 12, 0, 0, 0, time.UTC).Day() == d
}

// ptScanner walks a Portuguese date without allocating. Spaces include NBSP
// and invisible characters, which pasted text brings along.
type ptScanner struct {
	s string
	i int
}

func (p *ptScanner) spaces() bool {
	start := p.i
	for p.i < len(p.s) {
		c := p.s[p.i]
		if c < utf8.RuneSelf {
			if c != ' ' && c != '\t' {
				break
			}
			p.i++
			continue
		}
		r, size := utf8.DecodeRuneInString(p.s[p.i:])
		if !isSpace(r) && !isInvisible(r) {
			break
		}
		p.i += size
	}
	return p.i > start
}

func (p *ptScanner) byte(c byte) bool {
	if p.i < len(p.s) && p.s[p.i] == c {
		p.i++
		return true
	}
	return false
}

func (p *ptScanner) number(minDigits, maxDigits int) (int, bool) {
	n, j := 0, p.i
	for j < len(p.s) && j-p.i < maxDigits && isDigit(p.s[j]) {
		n = n*10 + int(p.s[j]-'0')
		j++
	}
	if j-p.i < minDigits || j < len(p.s) && isDigit(p.s[j]) {
		return 0, false
	}
	p.i = j
	return n, true
}

// ordinal skips the "º" of "1º de março".
func (p *ptScanner) ordinal() {
	if strings.HasPrefix(p.s[p.i:], "º") || strings.HasPrefix(p.s[p.i:], "°") {
		_, size := utf8.DecodeRuneInString(p.s[p.i:])
		p.i += size
	}
}

// foldedWord reads the next word, lower-cased with ç and the accents
// Portuguese puts on month names and "às" removed, into buf.
func (p *ptScanner) foldedWord(buf []byte) ([]byte, int) {
	j := p.i
	for j < len(p.s) {
		c := p.s[j]
		if c < utf8.RuneSelf {
			if !isASCIILetter(c) {
				break
			}
			buf = append(buf, c|0x20)
			j++
			continue
		}
		r, size := utf8.DecodeRuneInString(p.s[j:])
		switch r {
		case 'ç', 'Ç':
			buf = append(buf, 'c')
		case 'à', 'À', 'á', 'Á':
			buf = append(buf, 'a')
		default:
			return buf, j
		}
		j += size
	}
	return buf, j
}

// word consumes w (folded) when it is the next word.
func (p *ptScanner) word(w string) bool {
	var arr [16]byte
	got, j := p.foldedWord(arr[:0])
	if string(got) != w {
		return false
	}
	p.i = j
	p.spaces()
	return true
}

func (p *ptScanner) month() time.Month {
	var arr [16]byte
	got, j := p.foldedWord(arr[:0])
	if len(got) < 3 {
		return 0
	}
	for m, name := range ptMonths {
		if string(got) == name || len(got) == 3 && name[:3] == string(got) {
			p.i = j
			if len(got) == 3 {
				p.byte('.')
			}
			return time.Month(m + 1)
		}
	}
	return 0
}

// separators skips what may stand between date and time: spaces, ",",
// "|", "-" and "às".
func (p *ptScanner) separators() {
	for {
		switch {
		case p.spaces():
		case p.byte(','), p.byte('|'), p.byte('-'):
		case p.word("as"), p.word("a"):
		default:
			return
		}
	}
}

// hourSuffix skips "hs.", "h", "hrs", "horas" after the time.
func (p *ptScanner) hourSuffix() {
	p.spaces()
	for _, w := range [...]string{"hs", "h", "hrs", "horas"} {
		if p.word(w) {
			p.byte('.')
			break
		}
	}
	p.spaces()
}

// Excel serial-date epochs. In the 1900 system serial 1 is 1 January 1900
// and Excel, copying Lotus 1-2-3, counts a 29 February 1900 that never
// existed (serial 60), so from serial 61 on day 0 is 30 December 1899.
var (
	excel1900 = time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)
	excel1904 = time.Date(1904, 1, 1, 0, 0, 0, 0, time.UTC)
)

// maxExcelSerial is 31 December 9999, the last day Excel knows.
const maxExcelSerial = 2958465

// ParseExcelSerial reads an Excel serial date ("46256.60763888889": days
// since the workbook's epoch, the fraction being the time of day) as it
// appears in the raw XML of a date cell. date1904 selects the 1904 system of
// old Mac workbooks. The time is rounded to the nearest second, which
// removes the float noise of the fraction; the wall time is read in loc and
// returned in UTC. Serial 60 in the 1900 system is Excel's 29 February 1900,
// which did not exist, and is refused, as are serials below 1 (times of day
// without a date).
func ParseExcelSerial(s string, date1904 bool, loc *time.Location) (time.Time, error) {
	t := trimValue(s)
	if isEmpty(t) {
		return time.Time{}, nil
	}
	if loc == nil {
		loc = time.UTC
	}
	bad := func(why string) (time.Time, error) {
		return time.Time{}, valueErr(s, quote(t)+" is not an Excel date"+why)
	}
	for i := 0; i < len(t); i++ {
		c := t[i]
		if !isDigit(c) && c != '.' && c != 'e' && c != 'E' && c != '+' && c != '-' {
			return bad("")
		}
	}
	f, err := strconv.ParseFloat(t, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return bad("")
	}
	if f > maxExcelSerial+1 {
		return bad(": it is past the year 9999")
	}
	secs := int64(math.Round(f * 86400))
	epoch := excel1904
	if !date1904 {
		epoch = excel1900
		switch {
		case secs < 86400:
			return bad(": it is a time of day without a date")
		case secs < 60*86400:
			epoch = excel1900.AddDate(0, 0, 1)
		case secs < 61*86400:
			return bad(": serial 60 is 29 February 1900, a day that did not exist")
		}
	} else if secs < 0 {
		return bad(": it is before 1904")
	}
	// Whole days through the calendar: a Duration spans only 292 years.
	w := epoch.AddDate(0, 0, int(secs/86400)).Add(time.Duration(secs%86400) * time.Second)
	return time.Date(w.Year(), w.Month(), w.Day(), w.Hour(), w.Minute(), w.Second(), 0, loc).UTC(), nil
}

// ParseUnixSeconds reads a Unix time in whole seconds, as the Shopee and
// TikTok APIs give it. "0" is how those APIs say "not yet" (an unpaid order's
// pay_time) and gives the zero time, like empty input. A 13-digit value is
// refused as milliseconds rather than read as a date thousands of years away.
func ParseUnixSeconds(s string) (time.Time, error) {
	t := trimValue(s)
	if isEmpty(t) {
		return time.Time{}, nil
	}
	if !allDigits(t) || len(t) > 18 {
		return time.Time{}, valueErr(s, quote(t)+" is not a Unix time in seconds like 1770755400")
	}
	n, _ := strconv.ParseInt(t, 10, 64)
	if n == 0 {
		return time.Time{}, nil
	}
	if n >= 100_000_000_000 {
		return time.Time{}, valueErr(s, quote(t)+" looks like milliseconds, not a Unix time in seconds like 1770755400")
	}
	return time.Unix(n, 0).UTC(), nil
}
