package quickconnect

import (
	"slices"
	"strings"
	"testing"
	"time"
)

func TestParseSchedule(t *testing.T) {
	chicago, _ := time.LoadLocation("America/Chicago")
	denver, _ := time.LoadLocation("America/Denver")
	tests := []struct {
		in    string
		times []int
		cron  string
		loc   *time.Location
		err   string
	}{
		{in: "06:00, 12:00, 18:00 America/Chicago", times: []int{360, 720, 1080}, loc: chicago},
		{in: "6am, 2:30 pm", times: []int{360, 870}, loc: denver},
		{in: "18:30,06:00,06:00", times: []int{360, 1110}, loc: denver},
		{in: "cron: 0 */4 * * *", cron: "0 */4 * * *", loc: denver},
		{in: "cron: 0 6 * * 1-5 in America/Chicago", cron: "0 6 * * 1-5", loc: chicago},
		{in: "", err: "empty"},
		{in: "25:00", err: "not a time of day"},
		{in: "6:5", err: "not a time of day"},
		{in: "13pm", err: "not a time of day"},
		{in: "cron: 0 6 * *", err: "five-field"},
		{in: "cron: 0 6 * * * in Mars/Base", err: "not a time zone"},
	}
	for _, tc := range tests {
		s, err := ParseSchedule(tc.in, denver)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("ParseSchedule(%q) error = %v, want %q", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("ParseSchedule(%q): %v", tc.in, err)
			continue
		}
		if !slices.Equal(s.Times, tc.times) || s.Cron != tc.cron || s.Location.String() != tc.loc.String() {
			t.Errorf("ParseSchedule(%q) = %+v", tc.in, s)
		}
	}
}

func TestScheduleNext(t *testing.T) {
	s, err := ParseSchedule("06:00, 18:00 America/Chicago", nil)
	if err != nil {
		t.Fatal(err)
	}
	chicago := s.Location
	at := func(y int, m time.Month, d, h, min int) time.Time { return time.Date(y, m, d, h, min, 0, 0, chicago) }
	for _, tc := range []struct{ from, want time.Time }{
		{at(2026, 11, 21, 5, 0), at(2026, 11, 21, 6, 0)},
		{at(2026, 11, 21, 6, 0), at(2026, 11, 21, 18, 0)},
		{at(2026, 11, 21, 23, 0), at(2026, 11, 22, 6, 0)},
		// Across the end of daylight saving time (2026-11-01 in Chicago): still 06:00 local.
		{at(2026, 10, 31, 19, 0), at(2026, 11, 1, 6, 0)},
	} {
		if got := s.Next(tc.from); !got.Equal(tc.want) {
			t.Errorf("Next(%v) = %v, want %v", tc.from, got, tc.want)
		}
	}
	if got := s.CronSpecs(); !slices.Equal(got, []string{"CRON_TZ=America/Chicago 0 6,18 * * *"}) {
		t.Errorf("CronSpecs = %q", got)
	}
	s2, _ := ParseSchedule("06:00, 12:30, 18:00 UTC", nil)
	if got := s2.CronSpecs(); !slices.Equal(got, []string{"CRON_TZ=UTC 0 6,18 * * *", "CRON_TZ=UTC 30 12 * * *"}) {
		t.Errorf("CronSpecs = %q", got)
	}
	if got := s2.String(); got != "06:00, 12:30, 18:00 UTC" {
		t.Errorf("String = %q", got)
	}
	c, _ := ParseSchedule("cron: 0 6 * * * in America/Chicago", nil)
	if got := c.Next(at(2026, 11, 21, 7, 0)); !got.Equal(at(2026, 11, 22, 6, 0)) {
		t.Errorf("cron Next = %v", got)
	}
}
