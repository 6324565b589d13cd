// Package reliability holds the fault tests of docs/reliability.md: they
// build the real binary, run it as separate processes on PostgreSQL and
// SQLite, and kill servers and databases under load. It has no code of
// its own besides the tests.
package reliability
