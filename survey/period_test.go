package survey

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestPresets(t *testing.T) {
	tests := []struct {
		name string
		got  Period
		want Period
		days int
	}{
		{"Q1", Quarter(2026, 1), Period{"2026-01-01", "2026-03-31"}, 90},
		{"Q2", Quarter(2026, 2), Period{"2026-04-01", "2026-06-30"}, 91},
		{"Q3", Quarter(2026, 3), Period{"2026-07-01", "2026-09-30"}, 92},
		{"Q4", Quarter(2026, 4), Period{"2026-10-01", "2026-12-31"}, 92},
		{"Q1 leap", Quarter(2028, 1), Period{"2028-01-01", "2028-03-31"}, 91},
		{"S1", Semester(2026, 1), Period{"2026-01-01", "2026-06-30"}, 181},
		{"S2", Semester(2026, 2), Period{"2026-07-01", "2026-12-31"}, 184},
		{"year", Year(2026), Period{"2026-01-01", "2026-12-31"}, 365},
		{"leap year", Year(2024), Period{"2024-01-01", "2024-12-31"}, 366},
		{"February", Month(2026, time.February), Period{"2026-02-01", "2026-02-28"}, 28},
		{"leap February", Month(2024, time.February), Period{"2024-02-01", "2024-02-29"}, 29},
		{"December", Month(2026, time.December), Period{"2026-12-01", "2026-12-31"}, 31},
	}
	for _, tt := range tests {
		if tt.got != tt.want || tt.got.Days() != tt.days {
			t.Errorf("%s = %v (%d days), want %v (%d days)", tt.name, tt.got, tt.got.Days(), tt.want, tt.days)
		}
	}
}

func TestPresetsPanic(t *testing.T) {
	for name, f := range map[string]func(){
		"Quarter(2026, 5)":  func() { Quarter(2026, 5) },
		"Quarter(2026, 0)":  func() { Quarter(2026, 0) },
		"Semester(2026, 3)": func() { Semester(2026, 3) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s did not panic", name)
				}
			}()
			f()
		}()
	}
}

func TestParsePeriod(t *testing.T) {
	tests := []struct {
		in      string
		want    Period
		wantErr bool
	}{
		{"2026", Year(2026), false},
		{"2026-Q1", Quarter(2026, 1), false},
		{"2026-q4", Quarter(2026, 4), false},
		{"2026-S2", Semester(2026, 2), false},
		{"2026-03", Month(2026, time.March), false},
		{"2026-12", Month(2026, time.December), false},
		{"2026-03-15", Period{"2026-03-15", "2026-03-15"}, false},
		{"2026-01-01..2026-03-31", Quarter(2026, 1), false},
		{"2026-02-10..2026-02-10", Period{"2026-02-10", "2026-02-10"}, false},
		{"2026-Q5", Period{}, true},
		{"2026-Q0", Period{}, true},
		{"2026-S3", Period{}, true},
		{"2026-13", Period{}, true},
		{"2026-00", Period{}, true},
		{"2026-02-30", Period{}, true},
		{"2026-03-31..2026-01-01", Period{}, true},
		{"2026-01-01..", Period{}, true},
		{"..2026-01-01", Period{}, true},
		{"26", Period{}, true},
		{"abcd", Period{}, true},
		{"0000", Period{}, true},
		{"2026-W01", Period{}, true},
		{"", Period{}, true},
	}
	for _, tt := range tests {
		got, err := ParsePeriod(tt.in)
		if got != tt.want || (err != nil) != tt.wantErr {
			t.Errorf("ParsePeriod(%q) = %v, %v; want %v, error %v", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestPrevious(t *testing.T) {
	tests := []struct {
		in, want Period
	}{
		{Quarter(2026, 1), Quarter(2025, 4)}, // across the year boundary
		{Quarter(2026, 3), Quarter(2026, 2)},
		{Semester(2026, 1), Semester(2025, 2)},
		{Semester(2026, 2), Semester(2026, 1)},
		{Year(2026), Year(2025)},
		{Month(2026, time.January), Month(2025, time.December)},
		{Month(2026, time.March), Month(2026, time.February)}, // 31 days back to 28
		{Month(2024, time.March), Month(2024, time.February)}, // leap year
		{Period{"2026-02-01", "2026-03-31"}, Period{"2025-12-01", "2026-01-31"}},
		{Period{"2026-01-01", "2026-01-10"}, Period{"2025-12-22", "2025-12-31"}},
		{Period{"2026-03-01", "2026-03-01"}, Period{"2026-02-28", "2026-02-28"}},
		{Period{"2024-03-05", "2024-03-05"}, Period{"2024-03-04", "2024-03-04"}},
		{Period{"2026-01-15", "2026-02-14"}, Period{"2025-12-15", "2026-01-14"}},
		{Period{"bad", "2026-01-01"}, Period{}},
		{Period{"2026-02-01", "2026-01-01"}, Period{}},
	}
	for _, tt := range tests {
		if got := tt.in.Previous(); got != tt.want {
			t.Errorf("%v.Previous() = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestPeriodHelpers(t *testing.T) {
	p := Quarter(2026, 1)
	if !p.Contains("2026-01-01") || !p.Contains("2026-03-31") || p.Contains("2026-04-01") || p.Contains("2025-12-31") {
		t.Error("Contains is wrong at the edges")
	}
	if got, err := ParsePeriod(p.String()); err != nil || got != p {
		t.Errorf("ParsePeriod(%q) = %v, %v", p.String(), got, err)
	}
	if got := (Period{"0001-01-01", "9999-12-31"}).Days(); got != 3652059 { // longer than a time.Duration
		t.Errorf("Days(0001..9999) = %d, want 3652059", got)
	}
	if (Period{"x", "y"}).Days() != 0 || (Period{"2026-02-01", "2026-01-01"}).Days() != 0 {
		t.Error("Days of an invalid period is not 0")
	}
}

func TestSeries(t *testing.T) {
	ps := func(pairs ...string) []Period {
		var out []Period
		for i := 0; i < len(pairs); i += 2 {
			out = append(out, Period{pairs[i], pairs[i+1]})
		}
		return out
	}
	tests := []struct {
		p        Period
		interval string
		want     []Period
	}{
		{Year(2026), "quarter", []Period{Quarter(2026, 1), Quarter(2026, 2), Quarter(2026, 3), Quarter(2026, 4)}},
		{Year(2026), "semester", []Period{Semester(2026, 1), Semester(2026, 2)}},
		{Year(2026), "year", []Period{Year(2026)}},
		{Period{"2025-11-15", "2026-02-10"}, "month", ps(
			"2025-11-15", "2025-11-30", "2025-12-01", "2025-12-31", "2026-01-01", "2026-01-31", "2026-02-01", "2026-02-10")},
		{Period{"2025-12-20", "2026-05-01"}, "quarter", ps(
			"2025-12-20", "2025-12-31", "2026-01-01", "2026-03-31", "2026-04-01", "2026-05-01")},
		{Period{"2026-05-01", "2027-02-01"}, "semester", ps(
			"2026-05-01", "2026-06-30", "2026-07-01", "2026-12-31", "2027-01-01", "2027-02-01")},
		{Period{"2025-06-01", "2026-01-31"}, "year", ps("2025-06-01", "2025-12-31", "2026-01-01", "2026-01-31")},
		// 2026-01-01 is a Thursday: the first ISO week is clipped.
		{Period{"2026-01-01", "2026-01-14"}, "week", ps(
			"2026-01-01", "2026-01-04", "2026-01-05", "2026-01-11", "2026-01-12", "2026-01-14")},
		{Period{"2026-02-27", "2026-03-02"}, "day", ps(
			"2026-02-27", "2026-02-27", "2026-02-28", "2026-02-28", "2026-03-01", "2026-03-01", "2026-03-02", "2026-03-02")},
	}
	for _, tt := range tests {
		got, err := Series(tt.p, tt.interval)
		if err != nil {
			t.Errorf("Series(%v, %s): %v", tt.p, tt.interval, err)
			continue
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("Series(%v, %s) (-want +got):\n%s", tt.p, tt.interval, diff)
		}
	}
	for _, bad := range []struct {
		p        Period
		interval string
	}{
		{Year(2026), "fortnight"},
		{Period{"2026-02-01", "2026-01-01"}, "day"},
		{Period{"nope", "2026-01-01"}, "day"},
		{Period{"1990-01-01", "2026-12-31"}, "day"}, // more than MaxSeries buckets
	} {
		if got, err := Series(bad.p, bad.interval); err == nil {
			t.Errorf("Series(%v, %s) = %d buckets, want an error", bad.p, bad.interval, len(got))
		}
	}
}

func TestDayOf(t *testing.T) {
	late := time.Date(2026, 3, 31, 23, 30, 0, 0, time.UTC) // already 1 April across Indonesia
	early := time.Date(2026, 3, 31, 16, 59, 0, 0, time.UTC)
	tests := []struct {
		t    time.Time
		tz   string
		want string
	}{
		{late, "Asia/Jakarta", "2026-04-01"},  // WIB 06:30
		{late, "Asia/Makassar", "2026-04-01"}, // WITA 07:30
		{late, "Asia/Jayapura", "2026-04-01"}, // WIT 08:30
		{late, "UTC", "2026-03-31"},
		{early, "Asia/Jakarta", "2026-03-31"}, // WIB 23:59
		{early, "Asia/Makassar", "2026-04-01"},
		{early, "Asia/Jayapura", "2026-04-01"},
		{time.Date(2026, 3, 31, 15, 30, 0, 0, time.UTC), "Asia/Jayapura", "2026-04-01"}, // WIT 00:30
		{time.Date(2026, 3, 31, 15, 30, 0, 0, time.UTC), "Asia/Makassar", "2026-03-31"}, // WITA 23:30
		{late, "Not/AZone", "2026-04-01"},                                               // unknown: WIB, like domain.Unit.Location
		{late, "", "2026-04-01"},
	}
	for _, tt := range tests {
		if got := DayOf(tt.t, tt.tz); got != tt.want {
			t.Errorf("DayOf(%v, %s) = %s, want %s", tt.t, tt.tz, got, tt.want)
		}
	}
}
