package quickconnect

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
)

// Schedule is when a connection runs: times of day in a time zone (several
// runs a day), or a cron expression.
type Schedule struct {
	// Times are minutes after midnight, sorted, in Location.
	Times []int
	// Cron is a five-field cron expression (when Times is empty).
	Cron string
	// Location is the schedule's time zone.
	Location *time.Location

	cron cron.Schedule
}

var cronParser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// ParseSchedule reads a schedule: times of day with an optional IANA time
// zone ("06:00, 12:00, 18:00 America/Chicago", "6am, 2:30pm"), or a cron
// expression ("cron: 0 */4 * * *", optionally followed by a time zone on the
// same line after " in ": "cron: 0 6 * * 1-5 in America/Denver"). The zone
// defaults to def (the company's).
func ParseSchedule(s string, def *time.Location) (Schedule, error) {
	if def == nil {
		def = time.UTC
	}
	text := strings.TrimSpace(s)
	if text == "" {
		return Schedule{}, fmt.Errorf("schedule: empty; write times of day like \"06:00, 12:00 America/Chicago\" or \"cron: 0 6 * * *\"")
	}
	if rest, ok := strings.CutPrefix(text, "cron:"); ok {
		expr, zone, _ := strings.Cut(strings.TrimSpace(rest), " in ")
		loc := def
		if zone = strings.TrimSpace(zone); zone != "" {
			l, err := time.LoadLocation(zone)
			if err != nil {
				return Schedule{}, fmt.Errorf("schedule %q: %q is not a time zone (use an IANA name like America/Chicago)", s, zone)
			}
			loc = l
		}
		expr = strings.TrimSpace(expr)
		if len(strings.Fields(expr)) != 5 && !strings.HasPrefix(expr, "@") {
			return Schedule{}, fmt.Errorf("schedule %q: %q is not a five-field cron expression (minute hour day month weekday)", s, expr)
		}
		cs, err := cronParser.Parse(expr)
		if err != nil {
			return Schedule{}, fmt.Errorf("schedule %q: %v", s, err)
		}
		return Schedule{Cron: expr, Location: loc, cron: cs}, nil
	}
	loc := def
	fields := strings.Split(text, ",")
	last := strings.Fields(fields[len(fields)-1])
	if n := len(last); n > 1 {
		if l, err := time.LoadLocation(last[n-1]); err == nil && strings.Contains(last[n-1], "/") || last[n-1] == "UTC" {
			loc = l
			fields[len(fields)-1] = strings.Join(last[:n-1], " ")
		}
	}
	var times []int
	for _, f := range fields {
		f = strings.TrimSpace(f)
		m, err := parseTimeOfDay(f)
		if err != nil {
			return Schedule{}, fmt.Errorf("schedule %q: %w", s, err)
		}
		if !slices.Contains(times, m) {
			times = append(times, m)
		}
	}
	slices.Sort(times)
	return Schedule{Times: times, Location: loc}, nil
}

// parseTimeOfDay reads "06:00", "6:00", "18:30", "6am", "2:30 pm" as minutes
// after midnight.
func parseTimeOfDay(s string) (int, error) {
	t := strings.ToLower(strings.ReplaceAll(s, " ", ""))
	pm, am := strings.HasSuffix(t, "pm"), strings.HasSuffix(t, "am")
	t = strings.TrimSuffix(strings.TrimSuffix(t, "pm"), "am")
	hs, ms, hasMin := strings.Cut(t, ":")
	h, err1 := strconv.Atoi(hs)
	m := 0
	var err2 error
	if hasMin {
		m, err2 = strconv.Atoi(ms)
	}
	bad := fmt.Errorf("%q is not a time of day; write 06:00, 18:30 or 6:30pm", s)
	if err1 != nil || err2 != nil || m < 0 || m > 59 || (hasMin && len(ms) != 2) {
		return 0, bad
	}
	switch {
	case am || pm:
		if h < 1 || h > 12 {
			return 0, bad
		}
		h %= 12
		if pm {
			h += 12
		}
	case h < 0 || h > 23:
		return 0, bad
	}
	return h*60 + m, nil
}

// Next is the first run after t.
func (s Schedule) Next(t time.Time) time.Time {
	if s.cron != nil {
		return s.cron.Next(t.In(s.Location))
	}
	local := t.In(s.Location)
	for day := 0; day <= 2; day++ {
		d := local.AddDate(0, 0, day)
		for _, m := range s.Times {
			c := time.Date(d.Year(), d.Month(), d.Day(), m/60, m%60, 0, 0, s.Location)
			if c.After(t) {
				return c
			}
		}
	}
	return time.Time{}
}

// CronSpecs expresses the schedule as cron expressions with their time zone
// (CRON_TZ=...), one per group of times sharing a minute, for a cron-based
// scheduler.
func (s Schedule) CronSpecs() []string {
	tz := "CRON_TZ=" + s.Location.String() + " "
	if s.Cron != "" {
		return []string{tz + s.Cron}
	}
	byMinute := map[int][]string{}
	for _, t := range s.Times {
		byMinute[t%60] = append(byMinute[t%60], strconv.Itoa(t/60))
	}
	minutes := make([]int, 0, len(byMinute))
	for m := range byMinute {
		minutes = append(minutes, m)
	}
	slices.SortFunc(minutes, func(a, b int) int { return cmp.Compare(a, b) })
	var out []string
	for _, m := range minutes {
		out = append(out, fmt.Sprintf("%s%d %s * * *", tz, m, strings.Join(byMinute[m], ",")))
	}
	return out
}

// String writes the schedule back in ParseSchedule's form.
func (s Schedule) String() string {
	if s.Cron != "" {
		return "cron: " + s.Cron + " in " + s.Location.String()
	}
	parts := make([]string, len(s.Times))
	for i, t := range s.Times {
		parts[i] = fmt.Sprintf("%02d:%02d", t/60, t%60)
	}
	return strings.Join(parts, ", ") + " " + s.Location.String()
}
