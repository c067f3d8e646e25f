package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/trestle-dev/trestle/internal/planning"
	"github.com/trestle-dev/trestle/internal/store"
)

var by = store.Console("test")

// uniqueName returns a share name no other test uses in this store.
func uniqueName(prefix string) string {
	seq++
	return fmt.Sprintf("%s-%d-%d", prefix, time.Now().UnixNano()%1e6, seq)
}

func historyOf(t *testing.T, st store.Store, c planning.Company, kinds ...planning.Kind) []store.Change {
	t.Helper()
	var out []store.Change
	for _, ch := range changes(t, st, c, 0) {
		if slices.Contains(kinds, ch.Entity) {
			out = append(out, ch)
		}
	}
	return out
}

func ops(chs []store.Change) string {
	var out []string
	for _, ch := range chs {
		out = append(out, string(ch.Entity)+":"+string(ch.Operation)+":"+ch.EntityKey)
	}
	return strings.Join(out, ",")
}

func testDefaultShare(t *testing.T, st store.Store) {
	ctx := context.Background()
	c := newCompany(t, st)
	shares, err := st.Shares(ctx, c.ID)
	must(t, err)
	if len(shares) != 1 || !shares[0].Default || shares[0].Name != c.Slug || shares[0].CompanyID != c.ID ||
		shares[0].Kind() != "company" || shares[0].CreatedAt.IsZero() {
		t.Fatalf("a new company's shares = %+v, want one default share named %s", shares, c.Slug)
	}
	got, err := st.ShareByName(ctx, strings.ToUpper(c.Slug))
	must(t, err)
	if got != shares[0] {
		t.Fatalf("ShareByName(upper case) = %+v, want %+v", got, shares[0])
	}
	if h := historyOf(t, st, c, planning.KindShare); ops(h) != "share:create:"+c.Slug {
		t.Fatalf("share history = %s", ops(h))
	}
	// The default share cannot be deleted but can be renamed.
	if err := st.DeleteShare(ctx, got.ID, by); !errors.Is(err, store.ErrDefaultShare) {
		t.Fatalf("delete the default share: %v", err)
	}
	renamed := uniqueName("Renamed")
	must(t, st.RenameShare(ctx, got.ID, renamed, by))
	if again, err := st.ShareByName(ctx, renamed); err != nil || again.ID != got.ID || again.Name != renamed || !again.Default {
		t.Fatalf("after rename: %+v, %v", again, err)
	}
	if _, err := st.ShareByName(ctx, c.Slug); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("old name still found: %v", err)
	}
	// A company whose slug is taken as a share name is refused, and not created.
	taken := uniqueName("taken")
	_, err = st.CreateShare(ctx, store.Share{CompanyID: c.ID, Name: strings.ToUpper(taken)}, by)
	must(t, err)
	_, err = st.CreateCompany(ctx, planning.Company{Slug: taken, Name: "Taken", Timezone: "UTC"}, by)
	var clash *store.KeyClashError
	if !errors.As(err, &clash) || !strings.Contains(err.Error(), "of company "+c.Slug) {
		t.Fatalf("company whose slug is a share name: %v", err)
	}
	if _, err := st.Company(ctx, taken); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("the refused company was created: %v", err)
	}
}

func testCustomShares(t *testing.T, st store.Store) {
	ctx := context.Background()
	a, b := newCompany(t, st), newCompany(t, st)
	name := uniqueName("Acme-Analytics")
	sh, err := st.CreateShare(ctx, store.Share{CompanyID: a.Slug, Name: "  " + name + " ", Comment: " for the BI team "}, by)
	must(t, err)
	if sh.ID == "" || sh.Name != name || sh.CompanyID != a.ID || sh.Default || sh.Comment != "for the BI team" || sh.Kind() != "custom" {
		t.Fatalf("created share = %+v", sh)
	}
	got, err := st.ShareByName(ctx, strings.ToLower(name))
	must(t, err)
	if got != sh {
		t.Fatalf("ShareByName = %+v, want %+v", got, sh)
	}
	// Names are unique across companies, case-insensitively; the error names the holder.
	_, err = st.CreateShare(ctx, store.Share{CompanyID: b.ID, Name: strings.ToUpper(name)}, by)
	var clash *store.KeyClashError
	if !errors.As(err, &clash) || clash.HeldByID != sh.ID || !strings.Contains(err.Error(), name+" of company "+a.Slug) {
		t.Fatalf("duplicate name: %v", err)
	}
	if _, err := st.CreateShare(ctx, store.Share{CompanyID: b.ID, Name: a.Slug}, by); !errors.As(err, &clash) {
		t.Fatalf("a custom share named like another company's default share: %v", err)
	}
	for _, bad := range []string{"", "two words", "a/b", "a.b", "tab\there", "nul\x00", "del\x7f", strings.Repeat("x", 256)} {
		_, err := st.CreateShare(ctx, store.Share{CompanyID: b.ID, Name: bad}, by)
		if f := invalidFields(t, err); !strings.Contains(f["0:name"], "required") && !strings.Contains(f["0:name"], "no spaces, '/', '.'") {
			t.Errorf("share name %q: %v", bad, f)
		}
	}
	long := uniqueName(strings.Repeat("ü", 200))
	long += strings.Repeat("x", 255-len([]rune(long)))
	if _, err := st.CreateShare(ctx, store.Share{CompanyID: b.ID, Name: long}, by); err != nil {
		t.Errorf("a 255-character name: %v", err)
	}
	if _, err := st.CreateShare(ctx, store.Share{CompanyID: b.ID, Name: uniqueName("d"), Default: true}, by); invalidFields(t, err)["0:default"] == "" {
		t.Errorf("a second default share: %v", err)
	}
	if _, err := st.CreateShare(ctx, store.Share{CompanyID: "no-such-company", Name: uniqueName("x")}, by); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown company: %v", err)
	}
	// Listing.
	list, err := st.Shares(ctx, a.ID)
	must(t, err)
	var names []string
	for _, s := range list {
		names = append(names, s.Name)
	}
	if want := []string{name, a.Slug}; !slices.Equal(names, want) && !slices.Equal(names, []string{a.Slug, name}) {
		t.Fatalf("Shares(a) = %v, want %v", names, want)
	}
	if !slices.IsSortedFunc(list, func(x, y store.Share) int { return strings.Compare(store.NameKey(x.Name), store.NameKey(y.Name)) }) {
		t.Errorf("Shares not by name: %v", names)
	}
	all, err := st.AllShares(ctx)
	must(t, err)
	seen := map[string]bool{}
	for _, s := range all {
		seen[s.ID] = true
	}
	if !seen[sh.ID] || !seen[list[0].ID] || !seen[list[1].ID] {
		t.Errorf("AllShares misses a's shares")
	}
	// Renaming: a new case of its own name is fine; another share's name is not.
	must(t, st.RenameShare(ctx, sh.ID, strings.ToUpper(name), by))
	if err := st.RenameShare(ctx, sh.ID, b.Slug, by); !errors.As(err, &clash) || !strings.Contains(err.Error(), "of company "+b.Slug) {
		t.Errorf("rename to a taken name: %v", err)
	}
	if err := st.RenameShare(ctx, sh.ID, "has space", by); invalidFields(t, err)["0:name"] == "" {
		t.Errorf("rename to a bad name: %v", err)
	}
	if err := st.RenameShare(ctx, "00000000-0000-4000-8000-000000000000", "x", by); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("rename unknown share: %v", err)
	}
	// Deleting removes the share and its tables.
	_, err = st.AddSharedTable(ctx, store.SharedTable{ShareID: sh.ID, Schema: "hr", Name: "staff", HubTable: "people"}, by)
	must(t, err)
	must(t, st.DeleteShare(ctx, sh.ID, by))
	if _, err := st.ShareByName(ctx, name); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("deleted share still found: %v", err)
	}
	if tables, err := st.SharedTables(ctx, sh.ID); err != nil || len(tables) != 0 {
		t.Errorf("deleted share's tables: %v, %v", tables, err)
	}
	if err := st.DeleteShare(ctx, sh.ID, by); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("delete twice: %v", err)
	}
	// Every change is in the company's history.
	up := strings.ToUpper(name)
	want := strings.Join([]string{"share:create:" + a.Slug, "share:create:" + name, "share:update:" + up,
		"shared_table:create:" + up + ".hr.staff", "shared_table:delete:" + up + ".hr.staff", "share:delete:" + up}, ",")
	if got := ops(historyOf(t, st, a, planning.KindShare, planning.KindSharedTable)); got != want {
		t.Errorf("history of a:\n got %s\nwant %s", got, want)
	}
}

func testSharedTables(t *testing.T, st store.Store) {
	ctx := context.Background()
	c := newCompany(t, st)
	sh, err := st.CreateShare(ctx, store.Share{CompanyID: c.ID, Name: uniqueName("custom")}, by)
	must(t, err)
	staff, err := st.AddSharedTable(ctx, store.SharedTable{ShareID: sh.ID, Schema: "HR", Name: "Staff", HubTable: " People "}, by)
	must(t, err)
	if staff.ID == "" || staff.HubTable != "people" || staff.CreatedAt.IsZero() || staff.History {
		t.Fatalf("added = %+v", staff)
	}
	ext, err := st.AddSharedTable(ctx, store.SharedTable{ShareID: sh.ID, Schema: "ext", Name: "sales", Location: "/data/delta/sales/", History: true}, by)
	must(t, err)
	s3, err := st.AddSharedTable(ctx, store.SharedTable{ShareID: sh.ID, Schema: "ext", Name: "costs", Location: "s3://lake/costs"}, by)
	must(t, err)
	if ext.Location != "/data/delta/sales" || !ext.History {
		t.Fatalf("external table = %+v", ext)
	}
	_, err = st.AddSharedTable(ctx, store.SharedTable{ShareID: sh.ID, Schema: "hr", Name: "STAFF", Location: "/x"}, by)
	var clash *store.KeyClashError
	if !errors.As(err, &clash) || clash.HeldByID != staff.ID || !strings.Contains(err.Error(), "HR.Staff in share "+sh.Name+" (hub table people)") {
		t.Fatalf("duplicate table: %v", err)
	}
	for _, tc := range []struct {
		t     store.SharedTable
		field string
	}{
		{store.SharedTable{Schema: "a.b", Name: "t", HubTable: "people"}, "0:schema"},
		{store.SharedTable{Schema: "s", Name: "t.u", HubTable: "people"}, "0:name"},
		{store.SharedTable{Schema: "s", Name: "", HubTable: "people"}, "0:name"},
		{store.SharedTable{Schema: "s", Name: "t"}, "0:location"},
		{store.SharedTable{Schema: "s", Name: "t", HubTable: "people", Location: "/x"}, "0:location"},
		{store.SharedTable{Schema: "s", Name: "t", HubTable: "no such!"}, "0:hub_table"},
		{store.SharedTable{Schema: "s", Name: "t", Location: "relative/path"}, "0:location"},
		{store.SharedTable{Schema: "s", Name: "t", Location: "ftp://host/x"}, "0:location"},
		{store.SharedTable{Schema: "s", Name: "t", Location: "s3://"}, "0:location"},
	} {
		tc.t.ShareID = sh.ID
		if _, err := st.AddSharedTable(ctx, tc.t, by); invalidFields(t, err)[tc.field] == "" {
			t.Errorf("%+v: want an error for %s, got %v", tc.t, tc.field, err)
		}
	}
	if _, err := st.AddSharedTable(ctx, store.SharedTable{ShareID: "no-such-share", Schema: "s", Name: "t", HubTable: "people"}, by); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("unknown share: %v", err)
	}
	tables, err := st.SharedTables(ctx, sh.ID)
	must(t, err)
	if len(tables) != 3 || tables[0].ID != s3.ID || tables[1].ID != ext.ID || tables[2] != staff {
		t.Fatalf("SharedTables = %+v", tables)
	}
	// The default share holds the published tables already: only external tables,
	// outside their schema, may be added.
	def, err := st.ShareByName(ctx, c.Slug)
	must(t, err)
	if _, err := st.AddSharedTable(ctx, store.SharedTable{ShareID: def.ID, Schema: "hr", Name: "staff", HubTable: "people"}, by); invalidFields(t, err)["0:hub_table"] == "" {
		t.Errorf("hub table in the default share: %v", err)
	}
	if _, err := st.AddSharedTable(ctx, store.SharedTable{ShareID: def.ID, Schema: "Resource_Planning", Name: "x", Location: "/x"}, by); invalidFields(t, err)["0:schema"] == "" {
		t.Errorf("the published schema in the default share: %v", err)
	}
	_, err = st.AddSharedTable(ctx, store.SharedTable{ShareID: def.ID, Schema: "extra", Name: "x", Location: "/x"}, by)
	must(t, err)
	// Removing is case-insensitive.
	must(t, st.RemoveSharedTable(ctx, sh.ID, "hr", "staff", by))
	if err := st.RemoveSharedTable(ctx, sh.ID, "hr", "staff", by); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("remove twice: %v", err)
	}
	if tables, _ := st.SharedTables(ctx, sh.ID); len(tables) != 2 {
		t.Errorf("after remove: %+v", tables)
	}
	h := historyOf(t, st, c, planning.KindSharedTable)
	if len(h) != 5 || h[4].Operation != store.OpDelete || h[4].EntityID != staff.ID {
		t.Fatalf("shared table history: %s", ops(h))
	}
	var before store.SharedTable
	must(t, json.Unmarshal(h[4].Before, &before))
	if before != staff {
		t.Errorf("history before = %+v, want %+v", before, staff)
	}
}
