package survey

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"
)

// DateLayout is the layout of a civil day, "YYYY-MM-DD".
const DateLayout = "2006-01-02"

// Period is a span of civil days, both ends inclusive, as "YYYY-MM-DD".
// Days are counted in the unit's own time zone (see [DayOf]); the
// presets are the triwulan, semester and tahunan of skm-method.md §6.1.
type Period struct{ From, To string }

func civil(year int, m time.Month, d int) time.Time {
	return time.Date(year, m, d, 0, 0, 0, 0, time.UTC)
}

func day(t time.Time) string { return t.Format(DateLayout) }

func span(from, to time.Time) Period { return Period{day(from), day(to)} }

// Month returns one calendar month.
func Month(year int, m time.Month) Period {
	return span(civil(year, m, 1), civil(year, m+1, 0))
}

// Quarter returns triwulan q (1..4) of year. It panics on any other q; use
// [ParsePeriod] for input from people.
func Quarter(year, q int) Period {
	if q < 1 || q > 4 {
		panic("survey: quarter out of range: " + strconv.Itoa(q))
	}
	first := time.Month(3*q - 2)
	return span(civil(year, first, 1), civil(year, first+3, 0))
}

// Semester returns semester s (1: January–June, 2: July–December) of year.
// It panics on any other s.
func Semester(year, s int) Period {
	if s < 1 || s > 2 {
		panic("survey: semester out of range: " + strconv.Itoa(s))
	}
	first := time.Month(6*s - 5)
	return span(civil(year, first, 1), civil(year, first+6, 0))
}

// Year returns one calendar year.
func Year(year int) Period { return span(civil(year, 1, 1), civil(year, 12, 31)) }

// ParsePeriod reads "2026" (year), "2026-Q1" (quarter), "2026-S2"
// (semester), "2026-03" (month), "2026-03-15" (one day) or
// "2026-01-01..2026-03-31" (a range, inclusive).
func ParsePeriod(s string) (Period, error) {
	bad := func(why string) (Period, error) {
		return Period{}, fmt.Errorf("survey: period %q: %s", s, why)
	}
	if from, to, ok := strings.Cut(s, ".."); ok {
		p := Period{from, to}
		if err := p.Validate(); err != nil {
			return bad(err.Error())
		}
		return p, nil
	}
	if len(s) == 10 {
		p := Period{s, s}
		if err := p.Validate(); err != nil {
			return bad(err.Error())
		}
		return p, nil
	}
	if len(s) < 4 {
		return bad("want YYYY, YYYY-Qn, YYYY-Sn, YYYY-MM or YYYY-MM-DD..YYYY-MM-DD")
	}
	year, err := strconv.Atoi(s[:4])
	if err != nil || year < 1 {
		return bad("bad year")
	}
	rest := s[4:]
	switch {
	case rest == "":
		return Year(year), nil
	case len(rest) == 3 && (rest[:2] == "-Q" || rest[:2] == "-q"):
		if q := int(rest[2] - '0'); q >= 1 && q <= 4 {
			return Quarter(year, q), nil
		}
		return bad("quarter must be Q1..Q4")
	case len(rest) == 3 && (rest[:2] == "-S" || rest[:2] == "-s"):
		if n := int(rest[2] - '0'); n == 1 || n == 2 {
			return Semester(year, n), nil
		}
		return bad("semester must be S1 or S2")
	case len(rest) == 3 && rest[0] == '-':
		m, err := strconv.Atoi(rest[1:])
		if err != nil || m < 1 || m > 12 {
			return bad("month must be 01..12")
		}
		return Month(year, time.Month(m)), nil
	}
	return bad("want YYYY, YYYY-Qn, YYYY-Sn, YYYY-MM or YYYY-MM-DD..YYYY-MM-DD")
}

// Validate reports whether both ends are real days and From ≤ To.
func (p Period) Validate() error {
	from, to, err := p.parse()
	if err != nil {
		return err
	}
	if to.Before(from) {
		return errors.New("from is after to")
	}
	return nil
}

func (p Period) parse() (from, to time.Time, err error) {
	if from, err = time.Parse(DateLayout, p.From); err != nil {
		return from, to, fmt.Errorf("from: want YYYY-MM-DD")
	}
	if to, err = time.Parse(DateLayout, p.To); err != nil {
		return from, to, fmt.Errorf("to: want YYYY-MM-DD")
	}
	return from, to, nil
}

// String returns "From..To", which ParsePeriod reads back.
func (p Period) String() string { return p.From + ".." + p.To }

// Contains reports whether the civil day d ("YYYY-MM-DD") is in p.
func (p Period) Contains(d string) bool { return d >= p.From && d <= p.To }

// Days returns the number of days in p, both ends included; 0 when p is
// not valid.
func (p Period) Days() int {
	from, to, err := p.parse()
	if err != nil || to.Before(from) {
		return 0
	}
	// Unix seconds, not Sub: a Duration saturates after 292 years.
	return int((to.Unix()-from.Unix())/86400) + 1
}

// Previous returns the period of the same length immediately before p,
// for trends ("Tren Nilai SKM", §6.3). A period of whole calendar months
// (a month, quarter, semester, year, or any run of months) steps back by
// that many months, so 2026-Q1 gives 2025-Q4 and March gives February
// whatever their day counts. Any other period steps back by its number of
// days. An invalid p gives the zero Period.
func (p Period) Previous() Period {
	from, to, err := p.parse()
	if err != nil || to.Before(from) {
		return Period{}
	}
	if from.Day() == 1 && to.AddDate(0, 0, 1).Day() == 1 {
		months := (to.Year()-from.Year())*12 + int(to.Month()-from.Month()) + 1
		return span(from.AddDate(0, -months, 0), from.AddDate(0, 0, -1))
	}
	n := p.Days()
	return span(from.AddDate(0, 0, -n), from.AddDate(0, 0, -1))
}

// MaxSeries is the most buckets [Series] returns, so a request for daily
// buckets over centuries fails fast instead of filling memory.
const MaxSeries = 10000

// Series splits p into calendar buckets of the interval "day", "week"
// (ISO weeks, Monday to Sunday), "month", "quarter", "semester" or "year".
// The first and last buckets are clipped to p.
func Series(p Period, interval string) ([]Period, error) {
	from, to, err := p.parse()
	if err != nil {
		return nil, fmt.Errorf("survey: series: %w", err)
	}
	if to.Before(from) {
		return nil, errors.New("survey: series: from is after to")
	}
	var end func(t time.Time) time.Time // last day of the bucket holding t
	switch interval {
	case "day":
		end = func(t time.Time) time.Time { return t }
	case "week":
		end = func(t time.Time) time.Time { return t.AddDate(0, 0, (7-int(t.Weekday()))%7) }
	case "month":
		end = func(t time.Time) time.Time { return civil(t.Year(), t.Month()+1, 0) }
	case "quarter":
		end = func(t time.Time) time.Time { return civil(t.Year(), (t.Month()-1)/3*3+4, 0) }
	case "semester":
		end = func(t time.Time) time.Time { return civil(t.Year(), (t.Month()-1)/6*6+7, 0) }
	case "year":
		end = func(t time.Time) time.Time { return civil(t.Year(), 12, 31) }
	default:
		return nil, fmt.Errorf("survey: series: unknown interval %q (want day, week, month, quarter, semester or year)", interval)
	}
	var out []Period
	for t := from; !t.After(to); {
		if len(out) == MaxSeries {
			return nil, fmt.Errorf("survey: series: more than %d %s buckets", MaxSeries, interval)
		}
		e := end(t)
		if e.After(to) {
			e = to
		}
		out = append(out, span(t, e))
		t = e.AddDate(0, 0, 1)
	}
	return out, nil
}

// Indonesian zones have had fixed offsets since 1964, so they need no
// tz database (and no I/O): WIB +7, WITA +8, WIT +9.
var fixedZones = map[string]*time.Location{
	"Asia/Jakarta":   time.FixedZone("WIB", 7*3600),
	"Asia/Pontianak": time.FixedZone("WIB", 7*3600),
	"Asia/Makassar":  time.FixedZone("WITA", 8*3600),
	"Asia/Jayapura":  time.FixedZone("WIT", 9*3600),
	"UTC":            time.UTC,
	"":               time.FixedZone("WIB", 7*3600),
}

var zones sync.Map // name → *time.Location, for names outside fixedZones

// DayOf returns the civil day ("YYYY-MM-DD") of t in the time zone tz:
// "Asia/Jakarta" (WIB), "Asia/Makassar" (WITA), "Asia/Jayapura" (WIT).
// Other IANA names are loaded once from the system's tz database. An empty
// or unknown name counts in WIB, as domain.Unit.Location does.
func DayOf(t time.Time, tz string) string {
	loc, ok := fixedZones[tz]
	if !ok {
		if v, hit := zones.Load(tz); hit {
			loc = v.(*time.Location)
		} else {
			l, err := time.LoadLocation(tz)
			if err != nil {
				l = fixedZones["Asia/Jakarta"]
			}
			zones.Store(tz, l)
			loc = l
		}
	}
	return t.In(loc).Format(DateLayout)
}
