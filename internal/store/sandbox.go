package store

import (
	"context"
	"time"
)

// Sandboxes is the part of the store that keeps sandbox companies' settings:
// which production company each mirrors, how often it is refreshed from it and
// when it last was. The sandbox itself is an ordinary company whose SandboxOf
// names its production company. Store includes it.
type Sandboxes interface {
	// SaveSandbox inserts or updates a sandbox's settings (by SandboxID).
	SaveSandbox(ctx context.Context, s Sandbox, by Actor) error
	// Sandbox finds a sandbox's settings by the sandbox company's id
	// (ErrNotFound).
	Sandbox(ctx context.Context, sandboxID string) (Sandbox, error)
	// Sandboxes lists every sandbox, by slug of the sandbox company.
	Sandboxes(ctx context.Context) ([]Sandbox, error)
	// ResetCompanyData deletes every planning record of a company (groups,
	// job titles, tags, people, projects, assignments, time off, resource
	// requests) in the transaction tx works on, recording each deletion in
	// the change history. It is meant for sandboxes only and refuses a company
	// that is not a sandbox.
	ResetCompanyData(ctx context.Context, tx Tx) error
}

// Sandbox is a sandbox company's settings.
type Sandbox struct {
	// SandboxID is the sandbox company; ProductionID the company it mirrors.
	SandboxID    string `json:"sandbox_id"`
	ProductionID string `json:"production_id"`
	// Refresh is when it is refreshed: "monthly" (the default), "weekly",
	// "daily", a cron expression ("cron: 0 3 1 * *"), or "off".
	Refresh string `json:"refresh"`
	// LastRefreshAt is when the last refresh finished (zero: never);
	// LastRefreshError is its error, "" when it succeeded.
	LastRefreshAt    time.Time `json:"last_refresh_at,omitzero"`
	LastRefreshError string    `json:"last_refresh_error,omitempty"`
	CreatedAt        time.Time `json:"created_at,omitzero"`
}
