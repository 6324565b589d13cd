package domain

import (
	"strconv"
	"strings"
	"time"
)

// monthsID are the Indonesian month names.
var monthsID = [...]string{"Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli",
	"Agustus", "September", "Oktober", "November", "Desember"}

// DateID writes a civil day "2026-11-26" the Indonesian way: "26 November
// 2026". Anything that is not such a day comes back unchanged.
func DateID(day string) string {
	t, err := time.Parse(DateLayout, day)
	if err != nil {
		return day
	}
	return strconv.Itoa(t.Day()) + " " + monthsID[t.Month()-1] + " " + strconv.Itoa(t.Year())
}

// PeriodID writes a span of days: "1 Januari 2026 – 31 Maret 2026".
func PeriodID(from, to string) string {
	if from == to {
		return DateID(from)
	}
	return DateID(from) + " – " + DateID(to)
}

// DecimalID writes a decimal given in the C locale ("1234.5", "82.35",
// "-3") the Indonesian way: a comma before the decimals and a dot between
// thousands ("1.234,5", "82,35"). It moves separators only, it never
// rounds, so pass numbers already rounded (survey.RoundHalfUp).
func DecimalID(s string) string {
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	whole, frac, hasFrac := strings.Cut(s, ".")
	var sb strings.Builder
	if neg {
		sb.WriteByte('-')
	}
	for i, r := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			sb.WriteByte('.')
		}
		sb.WriteRune(r)
	}
	if hasFrac {
		sb.WriteByte(',')
		sb.WriteString(frac)
	}
	return sb.String()
}

// FixedID writes v with dp decimals the Indonesian way (82,35). v must
// already be rounded to dp decimals, as the index engine's numbers are;
// this only prints it.
func FixedID(v float64, dp int) string {
	return DecimalID(strconv.FormatFloat(v, 'f', dp, 64))
}

// IntID writes a whole number with dots between thousands (12.345).
func IntID(n int64) string { return DecimalID(strconv.FormatInt(n, 10)) }
