package sandbox

import (
	"strings"
	"testing"
	"time"
)

func TestParseRefresh(t *testing.T) {
	tests := []struct {
		in, want string // want: canonical form, or "error: <part of the message>"
	}{
		{"monthly", "monthly"},
		{" Weekly ", "weekly"},
		{"DAILY", "daily"},
		{"off", "off"},
		{"cron: 0 4 * * 1", "cron: 0 4 * * 1"},
		{"cron:30   2 1,15 * *", "cron: 30 2 1,15 * *"},
		{"", "error: refresh is empty; use monthly"},
		{"hourly", `error: refresh "hourly" is not a schedule; use monthly (the 1st of each month at 03:00), weekly`},
		{"cron: 0 4 * *", "error: needs five fields"},
		{"cron: 0 4 * * * *", "error: needs five fields"},
		{"cron: 61 4 * * *", "error: refresh \"cron: 61 4 * * *\""},
		{"0 4 * * *", `error: "cron: <minute hour day-of-month month day-of-week>" or off`},
	}
	for _, tc := range tests {
		s, err := ParseRefresh(tc.in)
		if msg, isErr := strings.CutPrefix(tc.want, "error: "); isErr {
			if err == nil || !strings.Contains(err.Error(), msg) {
				t.Errorf("ParseRefresh(%q) = %v, %v; want an error containing %q", tc.in, s, err, msg)
			}
			continue
		}
		if err != nil || s.String() != tc.want {
			t.Errorf("ParseRefresh(%q) = %q, %v; want %q", tc.in, s, err, tc.want)
		}
	}
}

func TestNext(t *testing.T) {
	utc := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	tests := []struct {
		refresh, tz, after, want string // want "" for never
	}{
		// 03:00 in Chicago is 09:00 UTC in winter (CST), 08:00 in summer (CDT).
		{"monthly", "America/Chicago", "2026-01-15T12:00:00Z", "2026-02-01T09:00:00Z"},
		{"monthly", "America/Chicago", "2026-03-10T12:00:00Z", "2026-04-01T08:00:00Z"},
		{"monthly", "America/Chicago", "2026-04-01T08:00:00Z", "2026-05-01T08:00:00Z"}, // strictly after
		{"monthly", "America/Chicago", "2026-04-01T07:59:00Z", "2026-04-01T08:00:00Z"},
		{"monthly", "UTC", "2026-12-31T23:00:00Z", "2027-01-01T03:00:00Z"},
		{"weekly", "America/Chicago", "2026-03-11T12:00:00Z", "2026-03-15T08:00:00Z"}, // Wednesday -> Sunday
		{"weekly", "Europe/Berlin", "2026-03-15T01:00:00Z", "2026-03-15T02:00:00Z"},   // Sunday 02:00 local -> 03:00 local
		{"daily", "America/Chicago", "2026-03-07T10:00:00Z", "2026-03-08T08:00:00Z"},  // clocks went forward at 02:00
		{"daily", "America/Chicago", "2026-03-08T09:00:00Z", "2026-03-09T08:00:00Z"},
		{"daily", "", "2026-03-08T09:00:00Z", "2026-03-09T03:00:00Z"},                            // no zone: UTC
		{"cron: 30 6 * * 1-5", "America/Denver", "2026-03-13T14:00:00Z", "2026-03-16T12:30:00Z"}, // Friday after -> Monday
		{"off", "America/Chicago", "2026-01-15T12:00:00Z", ""},
	}
	for _, tc := range tests {
		got, err := Next(tc.refresh, tc.tz, utc(tc.after))
		if err != nil {
			t.Errorf("Next(%q, %q, %s): %v", tc.refresh, tc.tz, tc.after, err)
			continue
		}
		if tc.want == "" {
			if !got.IsZero() {
				t.Errorf("Next(%q, %q, %s) = %s, want never", tc.refresh, tc.tz, tc.after, got)
			}
			continue
		}
		if !got.Equal(utc(tc.want)) {
			t.Errorf("Next(%q, %q, %s) = %s, want %s", tc.refresh, tc.tz, tc.after, got.UTC().Format(time.RFC3339), tc.want)
		}
	}
	if _, err := Next("monthly", "Mars/Olympus", time.Now()); err == nil {
		t.Error("Next with an unknown time zone: no error")
	}
	if _, err := Next("sometimes", "UTC", time.Now()); err == nil {
		t.Error("Next with an unknown schedule: no error")
	}
}

func TestDue(t *testing.T) {
	created := time.Date(2026, 1, 20, 15, 0, 0, 0, time.UTC)
	last := time.Date(2026, 2, 1, 9, 5, 0, 0, time.UTC)
	tests := []struct {
		name      string
		refresh   string
		last, now time.Time
		want      bool
	}{
		{"never refreshed, before the 1st", "monthly", time.Time{}, time.Date(2026, 1, 31, 23, 0, 0, 0, time.UTC), false},
		{"never refreshed, the 1st has come", "monthly", time.Time{}, time.Date(2026, 2, 1, 9, 0, 0, 0, time.UTC), true},
		{"refreshed on the 1st, later that month", "monthly", last, time.Date(2026, 2, 27, 9, 0, 0, 0, time.UTC), false},
		{"refreshed on the 1st, next 1st", "monthly", last, time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC), true},
		{"off", "off", last, time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC), false},
	}
	for _, tc := range tests {
		got, _, err := due(storeSandbox(tc.refresh, tc.last, created), "America/Chicago", tc.now)
		if err != nil || got != tc.want {
			t.Errorf("%s: due = %v, %v; want %v", tc.name, got, err, tc.want)
		}
	}
}
