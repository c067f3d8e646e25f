package planning

import (
	"regexp"
	"strings"
	"time"
)

// Company owns all planning data. One installation serves many companies.
type Company struct {
	ID string `json:"id,omitempty"`
	// Slug is the short, unique, URL-safe name used on the command line ("acme").
	Slug string `json:"slug"`
	Name string `json:"name"`
	// Timezone is the company's IANA time zone; schedules run in it.
	Timezone string `json:"timezone"`
	// SandboxOf is the id of the production company this sandbox mirrors, if any.
	SandboxOf string `json:"sandbox_of,omitempty"`
	// HubManaged marks a company whose people and projects are maintained in the hub
	// after a one-time import, so bulk replacement needs an explicit force.
	HubManaged bool      `json:"hub_managed,omitempty"`
	CreatedAt  time.Time `json:"created_at,omitzero"`
}

var slugRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)

// Normalize trims the company's fields and lower-cases its slug.
func (c *Company) Normalize() {
	trim(&c.Name, &c.Timezone)
	c.Slug = strings.ToLower(strings.TrimSpace(c.Slug))
}

// Validate checks the company's fields.
func (c *Company) Validate() Errors {
	var errs Errors
	required(&errs, "name", c.Name)
	maxLen(&errs, "name", c.Name, 200)
	if required(&errs, "slug", c.Slug) && !slugRE.MatchString(c.Slug) {
		errs.Add("slug", "%q is not a valid slug; use lower-case letters, digits and '-' (up to 63), like acme-builders", c.Slug)
	}
	if required(&errs, "timezone", c.Timezone) {
		validTimezone(&errs, "timezone", c.Timezone)
	}
	return errs
}

// Slugify turns a company name into a slug candidate ("Acme Builders" -> "acme-builders").
func Slugify(name string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(name) {
		switch {
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			b.WriteRune(r)
			dash = false
		case !dash && b.Len() > 0:
			b.WriteByte('-')
			dash = true
		}
	}
	s := strings.TrimSuffix(b.String(), "-")
	if len(s) > 63 {
		s = strings.TrimSuffix(s[:63], "-")
	}
	return s
}

// User is a login. A user may belong to several companies through memberships.
type User struct {
	ID        string    `json:"id,omitempty"`
	Email     string    `json:"email"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"created_at,omitzero"`
}

// Normalize trims the user's fields and lower-cases the email.
func (u *User) Normalize() {
	trim(&u.Name)
	u.Email = strings.ToLower(strings.TrimSpace(u.Email))
}

// Validate checks the user's fields.
func (u *User) Validate() Errors {
	var errs Errors
	if required(&errs, "email", u.Email) {
		validEmail(&errs, "email", u.Email)
	}
	required(&errs, "name", u.Name)
	maxLen(&errs, "name", u.Name, 200)
	return errs
}

// Permission is a user's level of access in one company.
type Permission string

// Permission levels, from most to least access.
const (
	// PermissionAdmin may do everything, including managing users and integrations.
	PermissionAdmin Permission = "admin"
	// PermissionEditor may change planning data.
	PermissionEditor Permission = "editor"
	// PermissionViewer may read planning data.
	PermissionViewer Permission = "viewer"
)

// Permissions lists the valid levels, from most to least access.
var Permissions = []Permission{PermissionAdmin, PermissionEditor, PermissionViewer}

// Valid reports whether p is a known level.
func (p Permission) Valid() bool {
	switch p {
	case PermissionAdmin, PermissionEditor, PermissionViewer:
		return true
	}
	return false
}

// Allows reports whether p grants at least the access of q. An unknown level grants
// nothing, and nothing grants an unknown level.
func (p Permission) Allows(q Permission) bool {
	return p.Valid() && q.Valid() && p.rank() >= q.rank()
}

func (p Permission) rank() int {
	switch p {
	case PermissionAdmin:
		return 3
	case PermissionEditor:
		return 2
	case PermissionViewer:
		return 1
	}
	return 0
}

// Membership gives a user a permission level in a company.
type Membership struct {
	UserID     string     `json:"user_id"`
	CompanyID  string     `json:"company_id"`
	Permission Permission `json:"permission"`
	// Analytics lets the user read the company's shared tables over Delta Sharing
	// (as a recipient, with share tokens), whatever the permission level.
	Analytics bool `json:"analytics"`
}

// Validate checks the membership's fields.
func (m *Membership) Validate() Errors {
	var errs Errors
	required(&errs, "user_id", m.UserID)
	required(&errs, "company_id", m.CompanyID)
	if !m.Permission.Valid() {
		errs.Add("permission", "%q is not a permission level; use admin, editor or viewer", m.Permission)
	}
	return errs
}

// NormalizeEmail is how emails are compared and stored: trimmed and lower-case.
func NormalizeEmail(s string) string { return strings.ToLower(strings.TrimSpace(s)) }
