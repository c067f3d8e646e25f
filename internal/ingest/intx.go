package ingest

import (
	"context"
	"fmt"

	"github.com/trestle-dev/trestle/internal/planning"
	"github.com/trestle-dev/trestle/internal/store"
)

// RunIn plans set against the records the write transaction tx sees and, unless
// opts.DryRun is set, applies the plan in the same transaction. It is the way in
// for callers that hold a write transaction already: the REST API reads a
// record, checks its version and writes it under the one lock, so there is no
// stale plan to retry. company must be the company tx works on. The change
// history records the transaction's source and actor (store.Update's by), which
// should be opts'.
//
// The plan's BaseSeq is not set. A held plan is not applied without
// opts.Force (a *HeldError). When applying
// fails the caller must fail the transaction: tx may hold part of the writes.
func RunIn(ctx context.Context, tx store.Tx, company planning.Company, set *Set, opts Options) (*Plan, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	if company.ID != tx.CompanyID() {
		return nil, fmt.Errorf("ingest: the transaction works on company %s, not %s", tx.CompanyID(), company.Slug)
	}
	p := newPlanner(company, set, opts)
	if err := p.runIn(ctx, tx, false); err != nil { // applied under the same lock: no base to check
		return nil, err
	}
	p.hold()
	pl := p.plan
	if opts.DryRun {
		return pl, nil
	}
	if pl.Held() && !opts.Force {
		return pl, &HeldError{Holds: pl.Holds}
	}
	if err := apply(ctx, tx, pl); err != nil {
		return pl, err
	}
	return pl, nil
}
