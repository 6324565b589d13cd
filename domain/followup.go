package domain

import (
	"encoding/json"
	"time"
)

// Follow-up states.
const (
	FollowUpPlanned    = "planned"
	FollowUpInProgress = "in_progress"
	FollowUpDone       = "done"
	FollowUpDropped    = "dropped"
)

// FollowUp is one action of a unit's rencana tindak lanjut, aimed at an
// element the citizens scored low.
type FollowUp struct {
	ID            string
	UnitID        string
	InstitutionID string
	Element       string // element code, U1…U9
	Activity      string
	Owner         string
	Due           string // YYYY-MM-DD
	Status        string
	Result        string
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// FollowUpUpdate holds the fields of a PATCH; nil means unchanged.
type FollowUpUpdate struct {
	Activity *string
	Owner    *string
	Due      *string
	Status   *string
	Result   *string
}

// AuditEntry records one administrative change: who, what, when, and the
// state before and after.
type AuditEntry struct {
	ID       string
	At       time.Time
	ActorID  string
	Action   string // "unit.create", "survey.update", …
	Entity   string
	EntityID string
	Before   json.RawMessage
	After    json.RawMessage
}
