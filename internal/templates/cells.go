package templates

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/trestle-dev/trestle/internal/planning"
)

// The cell readers below take a trimmed, non-empty cell and return its value, or
// an error whose message reads after "column X: " and quotes the cell.

// parseDate reads YYYY-MM-DD or MM/DD/YYYY (M/D/YYYY too), like planning.ParseDate
// but without its layouts, as it runs for every date of every row.
func parseDate(s string) (planning.Date, error) {
	var y, m, d int
	ok, iso := false, false
	if len(s) == 10 && s[4] == '-' && s[7] == '-' {
		y, m, d, ok, iso = digits(s[:4]), digits(s[5:7]), digits(s[8:]), true, true
	} else if a, rest, found := strings.Cut(s, "/"); found {
		b, c, found := strings.Cut(rest, "/")
		if found && len(a) <= 2 && len(b) <= 2 && len(c) == 4 {
			m, d, y, ok = digits(a), digits(b), digits(c), true
		}
	}
	if ok && y >= 0 && m >= 0 && d >= 0 {
		if t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC); m >= 1 && m <= 12 && d >= 1 && t.Day() == d {
			return planning.NewDate(y, time.Month(m), d), nil
		}
		if iso {
			return planning.Date{}, fmt.Errorf("%q is not a day of the calendar; use YYYY-MM-DD, like 2026-03-01", s)
		}
	}
	return planning.Date{}, fmt.Errorf("%q is not a date; use YYYY-MM-DD or MM/DD/YYYY", s)
}

// digits reads a non-empty string of ASCII digits, or returns -1.
func digits(s string) int {
	if s == "" {
		return -1
	}
	n := 0
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' {
			return -1
		}
		n = n*10 + int(s[i]-'0')
	}
	return n
}

func parseBool(s string) (bool, error) {
	switch strings.ToLower(s) {
	case "y", "yes", "true", "t", "1":
		return true, nil
	case "n", "no", "false", "f", "0":
		return false, nil
	}
	return false, fmt.Errorf("%q is not a yes/no value; use Y or N (true/false and 1/0 also work)", s)
}

func parseInt(s string) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, fmt.Errorf("%q is not a whole number", s)
	}
	return n, nil
}

func parsePercent(s string) (int, error) {
	n, err := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(s, "%")))
	if err != nil {
		return 0, fmt.Errorf("%q is not a percentage; use a whole number from 0 to 100, like 50", s)
	}
	return n, nil
}

func parseMoney(s string) (planning.Decimal, error) {
	d, err := planning.ParseDecimal(s)
	if err != nil {
		return d, fmt.Errorf("%q is not an amount; use digits with an optional decimal point, like 12.50", s)
	}
	return d, nil
}

func parseTime(s string) (planning.TimeOfDay, error) {
	t, err := planning.ParseTimeOfDay(s)
	if err != nil {
		return 0, fmt.Errorf("%q is not a time of day; use HH:MM, like 07:30", s)
	}
	return t, nil
}

// parseChoice returns the allowed value s names, in any letter case.
func parseChoice(s string, values []string) (string, error) {
	for _, v := range values {
		if strings.EqualFold(s, v) {
			return v, nil
		}
	}
	return "", fmt.Errorf("%q is not allowed; use %s", s, orList(values))
}

// splitList splits a "|" list and trims its items. An empty item is an error.
func splitList(s string) ([]string, error) {
	items := strings.Split(s, "|")
	for i, it := range items {
		items[i] = strings.TrimSpace(it)
		if items[i] == "" {
			return nil, fmt.Errorf("%q has an empty item; separate values with a single |, like KS|MO", s)
		}
	}
	return items, nil
}

// parseGroups reads a group column: a list of codes, or All. all reports All.
func parseGroups(s string) (codes []string, all bool, err error) {
	items, err := splitList(s)
	if err != nil {
		return nil, false, err
	}
	for _, it := range items {
		if strings.EqualFold(it, allGroups) {
			if len(items) > 1 {
				return nil, false, fmt.Errorf("%q mixes All with group codes; write All alone for every group, or list the codes", s)
			}
			return nil, true, nil
		}
	}
	return items, false, nil
}

// parsePersonTags reads OSHA10:2027-03-01|FORKLIFT.
func parsePersonTags(s string) ([]planning.PersonTag, error) {
	items, err := splitList(s)
	if err != nil {
		return nil, err
	}
	tags := make([]planning.PersonTag, len(items))
	for i, it := range items {
		code, exp, hasExp := strings.Cut(it, ":")
		code, exp = strings.TrimSpace(code), strings.TrimSpace(exp)
		if code == "" {
			return nil, fmt.Errorf("%q has an expiry with no tag code; write CODE:YYYY-MM-DD, like OSHA10:2027-03-01", it)
		}
		tags[i].Code = code
		if hasExp {
			if exp == "" {
				return nil, fmt.Errorf("%q has a \":\" but no expiry date; write %s:YYYY-MM-DD or just %s", it, code, code)
			}
			d, err := parseDate(exp)
			if err != nil {
				return nil, fmt.Errorf("tag %s: %w", code, err)
			}
			tags[i].Expires = d
		}
	}
	return tags, nil
}

// parseRoles reads E1001:PM|E1002:SUPER into roles whose PersonID holds the
// employee_id. The job title is after the last ":", as codes cannot hold one
// (employee ids might).
func parseRoles(s string) ([]planning.ProjectRole, error) {
	items, err := splitList(s)
	if err != nil {
		return nil, err
	}
	roles := make([]planning.ProjectRole, len(items))
	seen := make(map[planning.ProjectRole]bool, len(items))
	for i, it := range items {
		j := strings.LastIndexByte(it, ':')
		if j < 0 {
			return nil, fmt.Errorf("%q has no job title; write employee_id:job title code, like E1001:PM", it)
		}
		r := planning.ProjectRole{PersonID: strings.TrimSpace(it[:j]), JobTitle: strings.TrimSpace(it[j+1:])}
		switch {
		case r.PersonID == "":
			return nil, fmt.Errorf("%q has no employee_id; write employee_id:job title code, like E1001:PM", it)
		case r.JobTitle == "":
			return nil, fmt.Errorf("%q has no job title after \":\"; write employee_id:job title code, like E1001:PM", it)
		case seen[r]:
			return nil, fmt.Errorf("%q is listed twice", it)
		}
		seen[r] = true
		roles[i] = r
	}
	return roles, nil
}

// parseCategories reads Level 1>North;South|Roof.
func parseCategories(s string) ([]planning.Category, error) {
	items, err := splitList(s)
	if err != nil {
		return nil, err
	}
	cats := make([]planning.Category, len(items))
	for i, it := range items {
		name, subs, hasSubs := strings.Cut(it, ">")
		cats[i].Name = strings.TrimSpace(name)
		if cats[i].Name == "" {
			return nil, fmt.Errorf("%q has no category name before \">\"; write Category>Sub1;Sub2, like Level 1>North;South", it)
		}
		if !hasSubs {
			continue
		}
		for sub := range strings.SplitSeq(subs, ";") {
			sub = strings.TrimSpace(sub)
			if sub == "" || strings.Contains(sub, ">") {
				return nil, fmt.Errorf("%q has an empty or malformed subcategory; write Category>Sub1;Sub2, like Level 1>North;South", it)
			}
			cats[i].Subcategories = append(cats[i].Subcategories, sub)
		}
	}
	return cats, nil
}

// parseWages reads FORE:45.50|APP:28.
func parseWages(s string) ([]planning.WageOverride, error) {
	items, err := splitList(s)
	if err != nil {
		return nil, err
	}
	wages := make([]planning.WageOverride, len(items))
	for i, it := range items {
		code, rate, ok := strings.Cut(it, ":")
		code, rate = strings.TrimSpace(code), strings.TrimSpace(rate)
		if !ok || code == "" || rate == "" {
			return nil, fmt.Errorf("%q is not a wage override; write job title code:rate, like FORE:45.50", it)
		}
		d, err := parseMoney(rate)
		if err != nil {
			return nil, fmt.Errorf("job title %s: %w", code, err)
		}
		wages[i] = planning.WageOverride{JobTitle: code, Rate: d}
	}
	return wages, nil
}

var errWorkDays = errors.New("use day names separated by |, like Mon|Tue|Wed|Thu|Fri, or seven letters Sunday first with - for days off, like -MTWTF-")

// parseWorkDays reads Mon|Tue|Wed or -MTWTF-.
func parseWorkDays(s string) (planning.WorkDays, error) {
	var w planning.WorkDays
	if len(s) == 7 && !strings.Contains(s, "|") {
		const letters = "SMTWTFS"
		for i := range 7 {
			switch c := s[i]; {
			case c == '-' || c == '_' || c == '.':
			case c == letters[i] || c == letters[i]+'a'-'A':
				w[i] = true
			default:
				return w, fmt.Errorf("%q is not a work-day pattern: position %d is %s, so write %c or -; %w",
					s, i+1, time.Weekday(i), letters[i], errWorkDays)
			}
		}
		if !w.Any() {
			return w, fmt.Errorf("%q has no work day; leave the cell empty for Monday to Friday, or %w", s, errWorkDays)
		}
		return w, nil
	}
	items, err := splitList(s)
	if err != nil {
		return w, err
	}
	for _, it := range items {
		d, ok := weekday(it)
		if !ok {
			return w, fmt.Errorf("%q is not a day of the week; %w", it, errWorkDays)
		}
		if w[d] {
			return w, fmt.Errorf("%q lists %s twice", s, d)
		}
		w[d] = true
	}
	return w, nil
}

// weekday reads a day name or a prefix of at least two letters ("Tu", "Thurs").
func weekday(s string) (time.Weekday, bool) {
	s = strings.ToLower(s)
	if len(s) < 2 {
		return 0, false
	}
	for d := time.Sunday; d <= time.Saturday; d++ {
		if strings.HasPrefix(strings.ToLower(d.String()), s) {
			return d, true
		}
	}
	return 0, false
}

// orList writes a, b or c.
func orList(values []string) string {
	switch len(values) {
	case 0:
		return ""
	case 1:
		return values[0]
	}
	return strings.Join(values[:len(values)-1], ", ") + " or " + values[len(values)-1]
}
