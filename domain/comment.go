package domain

import (
	"encoding/json"
	"time"
)

// Comment states a manager gives a citizen's comment.
const (
	CommentNew    = "new"    // nobody has marked it yet
	CommentRead   = "read"   // read, nothing to do
	CommentAction = "action" // needs action (a follow-up)
)

// ValidCommentStatus reports whether s is a comment state.
func ValidCommentStatus(s string) bool {
	return s == CommentNew || s == CommentRead || s == CommentAction
}

// Comment is a citizen's comment with where and when it was written. Text
// is the stored original: mask it (MaskPII) before it leaves the server.
type Comment struct {
	ResponseID string
	SurveyID   string
	UnitID     string
	UnitName   string
	Day        string
	ReceivedAt time.Time
	Text       string
	MinScore   *int // the respondent's lowest element answer
	Status     string
}

// CommentFilter selects the comments of a unit's subtree.
type CommentFilter struct {
	UnitPath string
	From, To string // YYYY-MM-DD, inclusive
	Search   string // substring of the comment (a prefilter: see the API)
	MaxScore int    // 0: any; otherwise the lowest element answer is at most this
	Status   string // "": any
	Page
}

// Publication is a unit's published result for a period. Snapshot is the
// frozen result as the API wrote it at publication time; nothing changes
// it afterwards.
type Publication struct {
	ID            string
	UnitID        string
	InstitutionID string
	From, To      string
	PublishedAt   time.Time
	PublishedBy   string
	Snapshot      json.RawMessage
}

// AuditFilter selects audit entries; empty fields select everything.
type AuditFilter struct {
	Entity   string    // kind of entity: "unit", "survey", "response", …
	EntityID string    // one entity
	ActorID  string    // who made the change
	From, To time.Time // At within [From, To); zero: unbounded
	Page
}
