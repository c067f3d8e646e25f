// Package ingest is the one path every change from outside takes into the hub: CSV
// templates (one-time import and SFTP drops), scheduled QuickConnect syncs and the
// API all hand it a Set of records for one company and get back a Plan, which Apply
// writes in one transaction.
//
// The steps:
//
//  1. MakePlan normalizes and validates every record on its own (planning's rules),
//     then against the rest of the set and the hub: codes, people and projects a
//     record refers to must exist in the set or the hub, external keys must not
//     repeat, emails and mobile phones must stay unique (a swap between two people
//     of the set is fine), an assignment's category must exist on its project, a
//     tag that requires an expiry needs one. Every problem is reported at once,
//     with the record's Origin (file and line, or another label) and field.
//  2. MakePlan compares the set with the hub and lists, per kind, what would be
//     created, updated (with the changed fields, old and new), deactivated, and
//     what is unchanged. In Replace mode people and projects of the company that
//     are missing from the set are deactivated (never deleted); a plan that would
//     deactivate more than Options.HoldAbove of the active ones is held.
//     With Options.Owned, an update takes only the fields the set owns from
//     it and keeps the hub's value of the others (a sync's "manual override
//     fields", edited in the hub); a record whose owned fields are the hub's is
//     unchanged.
//  3. Apply writes the plan in one store transaction, recorded in the change
//     history with the plan's source and actor, after checking that the hub has not
//     changed since the plan was made. Any failure writes nothing.
//
// The package knows no file format: parsers (internal/templates, QuickConnect
// mappings, the API) turn their input into planning values wrapped in Items.
package ingest
