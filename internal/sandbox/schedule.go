package sandbox

import (
	"fmt"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
)

// DefaultRefresh is how often a sandbox is refreshed unless told otherwise.
const DefaultRefresh = "monthly"

// refreshChoices says what ParseRefresh accepts, for error messages and help.
const refreshChoices = `monthly (the 1st of each month at 03:00), weekly (Sundays at 03:00), daily (03:00), ` +
	`"cron: <minute hour day-of-month month day-of-week>" or off; times are in the sandbox company's time zone`

// named are the schedules with a name, as five-field cron expressions.
var named = map[string]string{
	"monthly": "0 3 1 * *",
	"weekly":  "0 3 * * 0",
	"daily":   "0 3 * * *",
}

var cronParser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow)

// Schedule is when a sandbox is refreshed from its production company: a
// named schedule, a cron expression, or never (off). Times are in the sandbox
// company's time zone.
type Schedule struct {
	text  string        // canonical: "monthly", "cron: 0 4 * * 1", "off"
	sched cron.Schedule // nil when off
}

// ParseRefresh reads a refresh setting: monthly (the 1st of each month at
// 03:00), weekly (Sundays at 03:00), daily (03:00), "cron: <5 fields>", or
// off. Names are not case-sensitive.
func ParseRefresh(s string) (Schedule, error) {
	text := strings.TrimSpace(s)
	lower := strings.ToLower(text)
	if lower == "off" {
		return Schedule{text: "off"}, nil
	}
	if spec, ok := named[lower]; ok {
		cs, err := cronParser.Parse(spec)
		if err != nil {
			panic(err) // our own constant expressions
		}
		return Schedule{text: lower, sched: cs}, nil
	}
	if rest, ok := strings.CutPrefix(lower, "cron:"); ok {
		expr := strings.Join(strings.Fields(text[len("cron:"):]), " ")
		if n := len(strings.Fields(rest)); n != 5 {
			return Schedule{}, fmt.Errorf("refresh %q: a cron expression needs five fields (minute hour day-of-month month day-of-week), not %d; for example \"cron: 0 3 * * 6\"", s, n)
		}
		cs, err := cronParser.Parse(expr)
		if err != nil {
			return Schedule{}, fmt.Errorf("refresh %q: %v", s, err)
		}
		return Schedule{text: "cron: " + expr, sched: cs}, nil
	}
	if text == "" {
		return Schedule{}, fmt.Errorf("refresh is empty; use %s", refreshChoices)
	}
	return Schedule{}, fmt.Errorf("refresh %q is not a schedule; use %s", s, refreshChoices)
}

// String is the setting in ParseRefresh's form ("monthly", "cron: 0 4 * * 1",
// "off").
func (s Schedule) String() string { return s.text }

// Off reports whether the sandbox is only refreshed on demand.
func (s Schedule) Off() bool { return s.sched == nil }

// Next is the first refresh time strictly after after, in the time zone tz
// (UTC when nil); the zero time when the schedule is off.
func (s Schedule) Next(tz *time.Location, after time.Time) time.Time {
	if s.sched == nil {
		return time.Time{}
	}
	if tz == nil {
		tz = time.UTC
	}
	return s.sched.Next(after.In(tz))
}

// Next is the first time after after that a sandbox with the refresh setting
// refresh is refreshed, in the time zone tz (an IANA name; "" is UTC). It is
// the zero time when refresh is off.
func Next(refresh, tz string, after time.Time) (time.Time, error) {
	s, err := ParseRefresh(refresh)
	if err != nil {
		return time.Time{}, err
	}
	loc, err := time.LoadLocation(tz)
	if err != nil {
		return time.Time{}, fmt.Errorf("time zone %q: %w", tz, err)
	}
	return s.Next(loc, after), nil
}
