package demo

import (
	"fmt"
	"slices"
	"strings"

	"github.com/trestle-dev/trestle/internal/planning"
)

func (g *generator) reference() {
	for _, rg := range regions {
		g.ds.Groups = append(g.ds.Groups, planning.Group{
			Name:     rg.name,
			Code:     rg.code,
			Timezone: rg.tz,
			Color:    rg.color,
			Address: planning.Address{
				Address1: rg.address1, City: rg.city, State: rg.state, PostalCode: rg.zip, Country: "US",
			},
			ContactName:  rg.contact,
			ContactPhone: "+1" + rg.areaCodes[0] + "5550100",
			ContactEmail: strings.ToLower(strings.ReplaceAll(rg.name, " ", "")) + "@" + emailDomain,
		})
	}
	for _, t := range titles {
		jt := planning.JobTitle{
			Name:       t.name,
			Code:       t.code,
			GroupCodes: slices.Clone(t.groups),
			Global:     t.groups == nil,
			Color:      t.color,
			PayType:    planning.PayHourly,
			HourlyRate: money(t.rateCents),
		}
		if t.salaried {
			jt.PayType = planning.PaySalaried
		}
		g.ds.JobTitles = append(g.ds.JobTitles, jt)
	}
	for _, t := range tags {
		tg := planning.Tag{
			Name:           t.name,
			Abbreviation:   t.abbr,
			Code:           t.code,
			GroupCodes:     slices.Clone(t.groups),
			Global:         t.groups == nil,
			RequiresExpiry: t.expiry,
			Color:          t.color,
			Categories:     slices.Clone(t.categories),
		}
		if t.expiry {
			tg.ExpiryWarningDays = ptr(t.warnDays)
		}
		g.ds.Tags = append(g.ds.Tags, tg)
	}
}

func titleSpecOf(code string) titleSpec {
	for _, t := range titles {
		if t.code == code {
			return t
		}
	}
	panic("demo: unknown job title " + code)
}

// pickTitle chooses a job title available in group by the titles' weights.
func (g *generator) pickTitle(group string) titleSpec {
	n := g.r.IntN(100)
	for _, t := range titles {
		if t.trade {
			continue
		}
		if n < t.weight {
			return t
		}
		n -= t.weight
	}
	var trades []titleSpec
	for _, t := range titles {
		if t.trade && slices.Contains(t.groups, group) {
			trades = append(trades, t)
		}
	}
	return pick(g, trades)
}

// asciiLower lower-cases a name and keeps only its letters, without accents, for use
// in an email address.
func asciiLower(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		switch r {
		case 'á', 'à', 'ä', 'â':
			r = 'a'
		case 'é', 'è', 'ë', 'ê':
			r = 'e'
		case 'í', 'ì', 'ï', 'î':
			r = 'i'
		case 'ó', 'ò', 'ö', 'ô':
			r = 'o'
		case 'ú', 'ù', 'ü', 'û':
			r = 'u'
		case 'ñ':
			r = 'n'
		}
		if r >= 'a' && r <= 'z' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

func (g *generator) email(first, last string) string {
	base := asciiLower(first) + "." + asciiLower(last)
	e := base + "@" + emailDomain
	for n := 2; g.emails[e]; n++ {
		e = fmt.Sprintf("%s%d@%s", base, n, emailDomain)
	}
	g.emails[e] = true
	return e
}

func (g *generator) address(rg *region) planning.Address {
	c := pick(g, rg.cities)
	a := planning.Address{
		Address1:   fmt.Sprintf("%d %s", g.between(100, 9899), pick(g, streets)),
		City:       c.name,
		State:      c.state,
		PostalCode: c.zip,
		Country:    "US",
	}
	if g.pct(12) {
		a.Address2 = fmt.Sprintf("Apt %d", g.between(1, 40)*10+g.between(1, 4))
	}
	return a
}

// tagChance is the percent chance that a person with job title title holds tag.
func tagChance(tag, title string) int {
	lead := title == "FOR" || title == "SUP" || title == "PM" || title == "SAFE"
	switch tag {
	case "OSHA10":
		if lead {
			return 40
		}
		return 75
	case "OSHA30":
		if lead {
			return 90
		}
		return 8
	case "CPR":
		if title == "SAFE" || title == "FOR" {
			return 95
		}
		return 35
	case "FORKLIFT":
		if title == "OPR" {
			return 80
		}
		if title == "LAB" || title == "APP" {
			return 25
		}
		return 10
	case "CRANE":
		if title == "OPR" {
			return 45
		}
		return 0
	case "CONFINED":
		return 15
	case "FALLPROT":
		if title == "IW" || title == "CARP" {
			return 85
		}
		return 35
	case "ELECLIC":
		if title == "ELEC" {
			return 80
		}
		return 0
	case "WELD":
		if title == "IW" {
			return 65
		}
		if title == "JRN" {
			return 10
		}
		return 0
	case "BILINGUAL":
		return 25
	}
	return 0
}

// expiry returns a tag expiry date: mostly well ahead, some soon, some past.
func (g *generator) expiry() planning.Date {
	switch n := g.r.IntN(100); {
	case n < 8:
		return g.today.AddDays(-g.between(1, 150)) // expired
	case n < 20:
		return g.today.AddDays(g.between(0, 45)) // expiring soon
	default:
		return g.today.AddDays(g.between(46, 1000))
	}
}

func (g *generator) people() {
	codes := make([]string, len(regions))
	counts := make([]int, len(regions))
	for i, rg := range regions {
		codes[i], counts[i] = rg.code, rg.people
	}
	firstGroups := shuffled(g, codes, counts)
	phoneSeq := map[string]int{} // next mobile number per group (lookups only)

	for i, gc := range firstGroups {
		rg := regionOf(gc)
		t := g.pickTitle(gc)
		groupCodes := []string{gc}
		if t.groups == nil && (t.code == "SUP" || t.code == "PM" || t.code == "SAFE") && g.pct(20) {
			// Some managers cover a neighbouring office too.
			groupCodes = append(groupCodes, regions[(slices.IndexFunc(regions, func(r region) bool { return r.code == gc })+1)%len(regions)].code)
		}

		female := g.pct(12)
		first := pick(g, maleFirstNames)
		gender := "Male"
		if female {
			first, gender = pick(g, femaleFirstNames), "Female"
		}
		if g.pct(4) {
			gender = ""
		}
		last := pick(g, lastNames)

		p := planning.Person{
			FirstName:    first,
			LastName:     last,
			Status:       planning.StatusActive,
			GroupCodes:   groupCodes,
			EmployeeID:   fmt.Sprintf("E%05d", i+1),
			IsAssignable: t.code != "SAFE",
			IsUser:       !t.field || t.code == "FOR",
			JobTitle:     t.code,
			Gender:       gender,
			Address:      g.address(rg),
		}
		if g.pct(5) {
			p.Status = planning.StatusInactive
		}
		if p.IsUser || g.pct(85) {
			p.Email = g.email(first, last)
			p.CanReceiveEmail = true
		}
		if p.IsUser || g.pct(95) {
			n := phoneSeq[gc]
			phoneSeq[gc] = n + 1
			p.MobilePhone = fmt.Sprintf("+1%s55501%02d", rg.areaCodes[n/99], n%99+1)
			p.CanReceiveSMS = g.pct(90)
		}

		// Wage: the title's rate, give or take a few dollars by experience.
		p.HourlyWage = money(t.rateCents + 25*g.between(-8, 16))

		age := g.between(19, 64)
		p.DateOfBirth = g.today.AddDays(-(age*365 + g.r.IntN(365)))
		maxTenure := min((age-18)*365, 30*365)
		p.HiredDate = g.today.AddDays(-g.between(14, max(maxTenure, 30)))
		if p.HiredDate.Before(p.DateOfBirth.AddDays(18 * 365)) {
			p.HiredDate = p.DateOfBirth.AddDays(18*365 + 1)
		}

		if g.pct(40) {
			u := rg.unions
			p.Union = u[g.r.IntN(len(u))]
		}
		if g.pct(70) {
			rel := pick(g, relations)
			ecFirst := pick(g, femaleFirstNames)
			if female || g.pct(30) {
				ecFirst = pick(g, maleFirstNames)
			}
			p.EmergencyContactName = ecFirst + " " + last
			p.EmergencyContactRelation = rel
			p.EmergencyContactPhone = fmt.Sprintf("+1%s55501%02d", rg.emergencyArea, g.between(0, 99))
		}

		for _, tg := range tags {
			if !inAll(tg.groups, groupCodes) || !g.pct(tagChance(tg.code, t.code)) {
				continue
			}
			pt := planning.PersonTag{Code: tg.code}
			if tg.expiry {
				pt.Expires = g.expiry()
			}
			p.Tags = append(p.Tags, pt)
		}

		p.Custom = planning.CustomFields{"shirt_size": pick(g, shirtSizes)}
		if t.field && g.pct(60) {
			p.Custom["badge_number"] = fmt.Sprintf("B-%05d", 10000+i*7+g.r.IntN(7))
		}
		g.ds.People = append(g.ds.People, p)
	}
}
