// Package planning holds Trestle's domain: companies, users and memberships, groups,
// job titles, tags, people, projects, assignments, time off and resource requests,
// with the field rules every way into the hub shares.
//
// The package does no I/O. Validation returns every problem at once, each naming the
// field (by its snake_case name, as in the CSV templates and the API) and saying in
// plain words what is wrong. Rules that need other records (a job title code must
// exist, an email must be unique in the company) are checked by the store, which
// knows those records.
package planning
