package domain

import "testing"

func TestFormatID(t *testing.T) {
	for _, c := range []struct{ got, want string }{
		{DateID("2026-11-26"), "26 November 2026"},
		{DateID("2026-01-01"), "1 Januari 2026"},
		{DateID("not a day"), "not a day"},
		{PeriodID("2026-01-01", "2026-03-31"), "1 Januari 2026 – 31 Maret 2026"},
		{PeriodID("2026-05-02", "2026-05-02"), "2 Mei 2026"},
		{DecimalID("82.35"), "82,35"},
		{DecimalID("1234567.5"), "1.234.567,5"},
		{DecimalID("-100"), "-100"},
		{DecimalID("-1000.25"), "-1.000,25"},
		{FixedID(82.78, 2), "82,78"},
		{FixedID(3.3, 4), "3,3000"},
		{IntID(12345), "12.345"},
		{IntID(999), "999"},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
}
