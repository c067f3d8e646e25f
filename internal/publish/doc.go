// Package publish keeps each company's shared analytics tables current: one Delta
// Lake table per shared table of the domain (schema resource_planning: groups,
// job_titles, tags, people, person_tags, projects, assignments, time_off,
// resource_requests and change_history), written from the hub's change history.
//
// A Publisher follows the change history of every company: changes are turned into
// one merge commit per affected table (change_history is appended to), and the
// tables are created, or rebuilt on demand, from a consistent view of the store.
// Each commit carries a Delta txn action (app id AppID) whose version is the last
// change-history sequence number the table contains, written atomically with the
// rows: after a crash, or with several hub instances publishing the same company,
// no change is applied twice or lost. Run polls for changes and publishes them
// after a short quiet period (debounce), within seconds of the change.
//
// Tables live under <root>/<company id>/resource_planning/<table> in a blob store
// (a local folder or S3-compatible storage).
package publish
