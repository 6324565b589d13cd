// Package domain holds Suara's nouns and the rules that need no I/O: units,
// services, templates and their versions, surveys, responses, users and
// follow-ups, and the typed errors every other package speaks.
//
// It imports only the standard library.
package domain
