package mapping

import (
	"database/sql"
	"encoding/json"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/trestle-dev/trestle/internal/planning"
)

func rd(k kind) reader { return reader{kind: k, trim: true, round: -1, split: "|"} }

func (r reader) with(f func(*reader)) reader { f(&r); return r }

// TestReadValues reads every kind of hub value from every type a row may hold.
func TestReadValues(t *testing.T) {
	newYork, _ := time.LoadLocation("America/New_York")
	d := planning.NewDate
	dec := func(s string) value { return value{set: true, dec: decimal.RequireFromString(s)} }
	text := func(s string) value { return value{set: true, text: s} }
	day := func(y int, m time.Month, dd int) value { return value{set: true, date: d(y, m, dd)} }
	list := func(items ...string) value { return value{set: true, list: items} }
	usDate := rd(kindDate).with(func(r *reader) { r.formats = []string{"01/02/2006"} })
	excel := rd(kindDate).with(func(r *reader) { r.excel = true })

	tests := []struct {
		name    string
		rd      reader
		raw     any
		want    value
		wantErr string
	}{
		// text
		{"text trimmed", rd(kindText), "  Jane ", text("Jane"), ""},
		{"text untrimmed", rd(kindText).with(func(r *reader) { r.trim = false }), " Jane ", text(" Jane "), ""},
		{"text upper", rd(kindText).with(func(r *reader) { r.cased = caseUpper }), "ks", text("KS"), ""},
		{"text lower", rd(kindText).with(func(r *reader) { r.cased = caseLower }), "Jane@Example.COM", text("jane@example.com"), ""},
		{"text title", rd(kindText).with(func(r *reader) { r.cased = caseTitle }), "mary-jane O'BRIEN 3rd", text("Mary-Jane O'Brien 3rd"), ""},
		{"text from bytes", rd(kindText), []byte("E1001"), text("E1001"), ""},
		{"text from sql.RawBytes", rd(kindText), sql.RawBytes("E1001"), text("E1001"), ""},
		{"text from int64", rd(kindText), int64(1001), text("1001"), ""},
		{"text from int32", rd(kindText), int32(7), text("7"), ""},
		{"text from float64", rd(kindText), 31.5, text("31.5"), ""},
		{"text from bool", rd(kindText), true, text("true"), ""},
		{"text from date", rd(kindText), time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), text("2026-03-01"), ""},
		{"text from json.Number", rd(kindText), json.Number("12"), text("12"), ""},
		{"text from big uint64", rd(kindText), uint64(math.MaxUint64), text("18446744073709551615"), ""},
		{"text from sql.NullString", rd(kindText), sql.NullString{String: "x", Valid: true}, text("x"), ""},
		{"text null", rd(kindText), nil, value{}, ""},
		{"text NULL from sql.NullString", rd(kindText), sql.NullString{}, value{}, ""},
		{"text blank", rd(kindText), "   ", value{}, ""},

		// yes/no
		{"bool", rd(kindBool), true, value{set: true, b: true}, ""},
		{"bool Y", rd(kindBool), "Y", value{set: true, b: true}, ""},
		{"bool no", rd(kindBool), " no ", value{set: true}, ""},
		{"bool int64 1", rd(kindBool), int64(1), value{set: true, b: true}, ""},
		{"bool int64 0", rd(kindBool), int64(0), value{set: true}, ""},
		{"bool bytes", rd(kindBool), []byte("1"), value{set: true, b: true}, ""},
		{"bool empty", rd(kindBool), "", value{}, ""},
		{"bool bad text", rd(kindBool), "maybe", value{}, `"maybe" is not a yes/no value`},
		{"bool bad number", rd(kindBool), int64(2), value{}, "2 is not a yes/no value; use 1 or 0"},

		// decimals
		{"decimal text", rd(kindMoney), "31.5", dec("31.5"), ""},
		{"decimal float64", rd(kindMoney), 31.5, dec("31.5"), ""},
		{"decimal float32", rd(kindMoney), float32(31.1), dec("31.1"), ""},
		{"decimal int64", rd(kindMoney), int64(31), dec("31"), ""},
		{"decimal bytes (MySQL DECIMAL)", rd(kindMoney), []byte("31.50"), dec("31.50"), ""},
		{"decimal json.Number", rd(kindMoney), json.Number("31.25"), dec("31.25"), ""},
		{"decimal Valuer", rd(kindMoney), decimal.RequireFromString("12.5"), dec("12.5"), ""},
		{"decimal NULL", rd(kindMoney), sql.NullFloat64{}, value{}, ""},
		{"decimal rounded", rd(kindMoney).with(func(r *reader) { r.round = 2 }), 31.456, dec("31.46"), ""},
		{"decimal comma", rd(kindMoney), "31,50", value{}, `"31,50" is not a number`},
		{"decimal NaN", rd(kindMoney), math.NaN(), value{}, "NaN is not a number"},
		{"decimal bool", rd(kindMoney), true, value{}, "true is not a number"},

		// whole numbers
		{"int int64", rd(kindInt), int64(30), value{set: true, n: 30}, ""},
		{"int float64", rd(kindInt), 30.0, value{set: true, n: 30}, ""},
		{"int text", rd(kindInt), " 30 ", value{set: true, n: 30}, ""},
		{"int fraction", rd(kindInt), 30.5, value{}, "30.5 is not a whole number"},
		{"percent sign", rd(kindPercent), "35%", value{set: true, n: 35}, ""},
		{"percent bad", rd(kindPercent), "lots", value{}, `"lots" is not a percentage`},

		// dates
		{"date ISO", rd(kindDate), "2026-03-01", day(2026, 3, 1), ""},
		{"date US", rd(kindDate), "3/1/2026", day(2026, 3, 1), ""},
		{"date timestamp text", rd(kindDate), "2026-03-01 14:00:00", day(2026, 3, 1), ""},
		{"date RFC 3339 at midnight", rd(kindDate), "2026-03-01T00:00:00Z", day(2026, 3, 1), ""},
		{"date RFC 3339 instant", rd(kindDate), "2026-03-01T03:00:00Z", day(2026, 2, 28), ""},
		{"date RFC 3339 instant with offset", rd(kindDate), "2026-03-01T03:00:00+00:00", day(2026, 2, 28), ""},
		{"date zone-less timestamp late in the day", rd(kindDate), "2026-03-01T23:30:00", day(2026, 3, 1), ""},
		{"date RFC 3339 instant elsewhere", rd(kindDate), "2026-03-01T00:30:00-05:00", day(2026, 2, 28), ""},
		{"date SQL DATE", rd(kindDate), time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), day(2026, 3, 1), ""},
		{"date SQL DATETIME (UTC, zone-less)", rd(kindDate), time.Date(2026, 3, 1, 2, 0, 0, 0, time.UTC), day(2026, 3, 1), ""},
		{"date timestamptz in another zone", rd(kindDate), time.Date(2026, 3, 1, 0, 30, 0, 0, newYork), day(2026, 2, 28), ""},
		{"date midnight in another zone", rd(kindDate), time.Date(2026, 3, 1, 0, 0, 0, 0, newYork), day(2026, 3, 1), ""},
		{"date zero time", rd(kindDate), time.Time{}, value{}, ""},
		{"date MySQL zero date", rd(kindDate), "0000-00-00", value{}, ""},
		{"date in format", usDate, "03/01/2026", day(2026, 3, 1), ""},
		{"date not in format", usDate, "13/45/2020", value{}, `"13/45/2020" is not a date in format 01/02/2006`},
		{"date ISO not in US format", usDate, "2026-03-01", value{}, "is not a date in format 01/02/2006"},
		{"date several formats", rd(kindDate).with(func(r *reader) { r.formats = []string{"01/02/2006", "2006-01-02"} }), "2026-03-01", day(2026, 3, 1), ""},
		{"date number in format", rd(kindDate).with(func(r *reader) { r.formats = []string{"20060102"} }), int64(20260301), day(2026, 3, 1), ""},
		{"date Excel int64", excel, int64(45292), day(2024, 1, 1), ""},
		{"date Excel float64 with time", excel, 46082.75, day(2026, 3, 1), ""},
		{"date Excel text", excel, "46082", day(2026, 3, 1), ""},
		{"date Excel still reads text dates", excel, "2026-03-01", day(2026, 3, 1), ""},
		{"date Excel too small", excel, int64(12), value{}, "12 is not an Excel day number after 1900-03-01"},
		{"date number without excel", rd(kindDate), int64(45292), value{}, "45292 is a number, not a date; set excel: true"},
		{"date bad text", rd(kindDate), "soon", value{}, `"soon" is not a date; the mapping reads YYYY-MM-DD or MM/DD/YYYY`},
		{"date not in calendar", rd(kindDate), "2026-02-30", value{}, `"2026-02-30" is not a date`},
		{"date bool", rd(kindDate), true, value{}, "true is not a date"},

		// times of day
		{"time HH:MM", rd(kindTime), "07:30", value{set: true, tod: 450}, ""},
		{"time AM", rd(kindTime), "7:30 AM", value{set: true, tod: 450}, ""},
		{"time SQL TIME", rd(kindTime), time.Date(0, 1, 1, 15, 30, 0, 0, time.UTC), value{set: true, tod: 930}, ""},
		{"time bad", rd(kindTime), "25:00", value{}, `"25:00" is not a time of day`},

		// lists
		{"list text", rd(kindList), "KS|MO", list("KS", "MO"), ""},
		{"list split", rd(kindList).with(func(r *reader) { r.split = "," }), " KS, MO ,", list("KS", "MO"), ""},
		{"list JSON", rd(kindList), []any{"KS", " MO", nil, ""}, list("KS", "MO"), ""},
		{"list []string", rd(kindList), []string{"KS"}, list("KS"), ""},
		{"list upper", rd(kindList).with(func(r *reader) { r.cased = caseUpper }), "ks|mo", list("KS", "MO"), ""},
		{"list number", rd(kindList), int64(12), list("12"), ""},
		{"list empty", rd(kindList), "|", value{}, ""},
		{"list All", rd(kindList).with(func(r *reader) { r.all = true }), "all", value{set: true, all: true}, ""},
		{"list All is a code elsewhere", rd(kindList), "All", list("All"), ""},
		{"list All mixed", rd(kindList).with(func(r *reader) { r.all = true }), "All|KS", value{}, `"All|KS" mixes All with group codes`},

		// a person's tags
		{"tags", rd(kindTags), "OSHA10:2027-03-01|FORKLIFT", value{set: true, tags: []planning.PersonTag{{Code: "OSHA10", Expires: d(2027, 3, 1)}, {Code: "FORKLIFT"}}}, ""},
		{"tags bad expiry", rd(kindTags), "OSHA10:later", value{}, `tag OSHA10: "later" is not an expiry date`},
		{"tags no code", rd(kindTags), ":2027-03-01", value{}, "has an expiry with no tag code"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.rd.read(canon(tt.raw), chicago)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("read(%#v) error = %v, want one containing %q", tt.raw, err, tt.wantErr)
				}
				checkPlain(t, err.Error())
				return
			}
			if err != nil {
				t.Fatalf("read(%#v): %v", tt.raw, err)
			}
			if !got.dec.Equal(tt.want.dec) {
				t.Fatalf("read(%#v) decimal = %s, want %s", tt.raw, got.dec, tt.want.dec)
			}
			got.dec, tt.want.dec = decimal.Decimal{}, decimal.Decimal{}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("read(%#v) = %+v, want %+v", tt.raw, got, tt.want)
			}
		})
	}
}

// TestDateLayout accepts Go layouts and YYYY/MM/DD notation, and rejects
// formats without a year, month and day.
func TestDateLayout(t *testing.T) {
	for format, want := range map[string]string{
		"01/02/2006": "01/02/2006",
		"2006-01-02": "2006-01-02",
		"20060102":   "20060102",
		"MM/DD/YYYY": "01/02/2006",
		"M/D/YY":     "1/2/06",
		"YYYY-MM-DD": "2006-01-02",
		"Jan 2 2006": "Jan 2 2006",
	} {
		got, err := dateLayout(format)
		if err != nil || got != want {
			t.Errorf("dateLayout(%q) = %q, %v; want %q", format, got, err, want)
		}
	}
	for _, bad := range []string{"MM-DD", "2006", "01/02", "dd.mm.yyyy", "whenever"} {
		if _, err := dateLayout(bad); err == nil {
			t.Errorf("dateLayout(%q) accepted a format without a year, month and day", bad)
		} else {
			checkPlain(t, err.Error())
		}
	}
}

// TestLookupMatching compares without regard to case and spaces, and numbers
// by value.
func TestLookupMatching(t *testing.T) {
	l := newLookup[string]()
	for k, v := range map[string]string{"A": "active", "01": "company one", "31.50": "rate", " kc ": "KS"} {
		l.add(k, v)
	}
	tests := []struct {
		raw  any
		want string
	}{
		{"A", "active"}, {"a", "active"}, {" A ", "active"},
		{"01", "company one"}, {int64(1), "company one"}, {1.0, "company one"},
		{31.5, "rate"}, {"KC", "KS"}, {[]byte("kc"), "KS"},
		{"1", ""}, {"B", ""}, {nil, ""},
	}
	for _, tt := range tests {
		v := canon(tt.raw)
		got, ok := l.find(v, plainText(v))
		if got != tt.want || ok != (tt.want != "") {
			t.Errorf("find(%#v) = %q, %v; want %q", tt.raw, got, ok, tt.want)
		}
	}
}
