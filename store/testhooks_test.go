package store

// Unexported parts the external tests (package store_test) check.

// ReplayLookupSQL is the writer's batch replay lookup, for its query plan.
var ReplayLookupSQL = replayLookupSQL
