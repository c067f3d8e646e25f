package planning

import (
	"strings"
	"testing"
)

func TestCompanyValidate(t *testing.T) {
	valid := func() Company {
		return Company{Slug: " Acme-Builders ", Name: "  Acme Builders ", Timezone: " America/Chicago "}
	}
	t.Run("valid after normalize", func(t *testing.T) {
		c := valid()
		c.Normalize()
		if c.Slug != "acme-builders" || c.Name != "Acme Builders" || c.Timezone != "America/Chicago" {
			t.Errorf("Normalize = %+v", c)
		}
		expectValid(t, c.Validate())
	})
	tests := []struct {
		name   string
		modify func(*Company)
		want   []wantErr
	}{
		{"name required", func(c *Company) { c.Name = "  " }, []wantErr{{"name", "is required"}}},
		{"name too long", func(c *Company) { c.Name = strings.Repeat("n", 201) }, []wantErr{{"name", "at most 200"}}},
		{"slug required", func(c *Company) { c.Slug = "" }, []wantErr{{"slug", "is required"}}},
		{"slug with underscore", func(c *Company) { c.Slug = "acme_builders" }, []wantErr{{"slug", `"acme_builders" is not a valid slug`}}},
		{"slug leading dash", func(c *Company) { c.Slug = "-acme" }, []wantErr{{"slug", "not a valid slug"}}},
		{"slug too long", func(c *Company) { c.Slug = strings.Repeat("a", 64) }, []wantErr{{"slug", "up to 63"}}},
		{"timezone required", func(c *Company) { c.Timezone = "" }, []wantErr{{"timezone", "is required"}}},
		{"timezone unknown", func(c *Company) { c.Timezone = "Central" }, []wantErr{{"timezone", `"Central" is not a time zone`}}},
		{"timezone Local", func(c *Company) { c.Timezone = "Local" }, []wantErr{{"timezone", "IANA"}}},
		{"everything at once", func(c *Company) { *c = Company{Timezone: "Nowhere/Else"} },
			[]wantErr{{"name", "is required"}, {"slug", "is required"}, {"timezone", "is not a time zone"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := valid()
			c.Normalize()
			tt.modify(&c)
			expectErrors(t, c.Validate(), tt.want...)
		})
	}
}

func TestSlugify(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"Acme Builders", "acme-builders"},
		{"acme", "acme"},
		{"  Acme   Builders, Inc. ", "acme-builders-inc"},
		{"Smith & Sons (KC)", "smith-sons-kc"},
		{"---Leading and trailing---", "leading-and-trailing"},
		{"Route 66 Construction", "route-66-construction"},
		{"ÉLAN Bau", "lan-bau"},
		{"", ""},
		{"!!!", ""},
		{strings.Repeat("a", 70), strings.Repeat("a", 63)},
		{strings.Repeat("a", 62) + " b", strings.Repeat("a", 62)},
	}
	for _, tt := range tests {
		got := Slugify(tt.in)
		if got != tt.want {
			t.Errorf("Slugify(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if got != "" && !slugRE.MatchString(got) {
			t.Errorf("Slugify(%q) = %q is not a valid slug", tt.in, got)
		}
		if strings.HasSuffix(got, "-") {
			t.Errorf("Slugify(%q) = %q ends with a dash", tt.in, got)
		}
	}
}

func TestUserValidate(t *testing.T) {
	t.Run("valid after normalize", func(t *testing.T) {
		u := User{Email: " Jane.Doe@Example.COM ", Name: " Jane Doe "}
		u.Normalize()
		if u.Email != "jane.doe@example.com" || u.Name != "Jane Doe" {
			t.Errorf("Normalize = %+v", u)
		}
		expectValid(t, u.Validate())
	})
	tests := []struct {
		name string
		u    User
		want []wantErr
	}{
		{"email required", User{Name: "Jane"}, []wantErr{{"email", "is required"}}},
		{"email invalid", User{Email: "jane", Name: "Jane"}, []wantErr{{"email", `"jane" is not an email address`}}},
		{"name required", User{Email: "j@example.com"}, []wantErr{{"name", "is required"}}},
		{"name too long", User{Email: "j@example.com", Name: strings.Repeat("x", 201)}, []wantErr{{"name", "at most 200"}}},
		{"both", User{}, []wantErr{{"email", "is required"}, {"name", "is required"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := tt.u
			u.Normalize()
			expectErrors(t, u.Validate(), tt.want...)
		})
	}
}

func TestMembershipValidate(t *testing.T) {
	tests := []struct {
		name string
		m    Membership
		want []wantErr
	}{
		{"admin", Membership{UserID: "u1", CompanyID: "c1", Permission: PermissionAdmin}, nil},
		{"editor", Membership{UserID: "u1", CompanyID: "c1", Permission: PermissionEditor}, nil},
		{"viewer", Membership{UserID: "u1", CompanyID: "c1", Permission: PermissionViewer}, nil},
		{"user required", Membership{CompanyID: "c1", Permission: PermissionViewer}, []wantErr{{"user_id", "is required"}}},
		{"company required", Membership{UserID: "u1", Permission: PermissionViewer}, []wantErr{{"company_id", "is required"}}},
		{"permission unknown", Membership{UserID: "u1", CompanyID: "c1", Permission: "owner"},
			[]wantErr{{"permission", `"owner" is not a permission level; use admin, editor or viewer`}}},
		{"permission empty", Membership{UserID: "u1", CompanyID: "c1"}, []wantErr{{"permission", "is not a permission level"}}},
		{"all wrong", Membership{Permission: "Admin"},
			[]wantErr{{"user_id", "is required"}, {"company_id", "is required"}, {"permission", `"Admin"`}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			expectErrors(t, tt.m.Validate(), tt.want...)
		})
	}
}

func TestPermission(t *testing.T) {
	if len(Permissions) != 3 || Permissions[0] != PermissionAdmin || Permissions[2] != PermissionViewer {
		t.Errorf("Permissions = %v, want admin, editor, viewer", Permissions)
	}
	for _, p := range Permissions {
		if !p.Valid() {
			t.Errorf("%q.Valid() = false", p)
		}
	}
	for _, p := range []Permission{"", "Admin", "owner"} {
		if p.Valid() {
			t.Errorf("%q.Valid() = true", p)
		}
	}
	tests := []struct {
		p, q Permission
		want bool
	}{
		{PermissionAdmin, PermissionAdmin, true},
		{PermissionAdmin, PermissionEditor, true},
		{PermissionAdmin, PermissionViewer, true},
		{PermissionEditor, PermissionAdmin, false},
		{PermissionEditor, PermissionEditor, true},
		{PermissionEditor, PermissionViewer, true},
		{PermissionViewer, PermissionAdmin, false},
		{PermissionViewer, PermissionEditor, false},
		{PermissionViewer, PermissionViewer, true},
		{"", PermissionViewer, false},
		{"owner", PermissionViewer, false},
		{"Admin", PermissionViewer, false},
		// An unknown level grants nothing, even against another unknown level.
		{"", "", false},
		{"owner", "owner", false},
		{PermissionAdmin, "superuser", false},
	}
	for _, tt := range tests {
		if got := tt.p.Allows(tt.q); got != tt.want {
			t.Errorf("%q.Allows(%q) = %v, want %v", tt.p, tt.q, got, tt.want)
		}
	}
}
