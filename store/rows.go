package store

import (
	"encoding/json"
	"time"

	"github.com/google/uuid"

	"suara/domain"
)

// The row structs are the store's own; the domain never sees GORM tags.
// Their tables are created by the migrations, never by AutoMigrate.

type unitRow struct {
	ID            string
	InstitutionID string
	ParentID      *string
	Path          string
	Name          string
	Code          string
	TimeZone      string
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

func (unitRow) TableName() string { return "units" }

func (r unitRow) domain() domain.Unit {
	return domain.Unit{ID: r.ID, InstitutionID: r.InstitutionID, ParentID: r.ParentID, Path: r.Path,
		Name: r.Name, Code: r.Code, TimeZone: r.TimeZone, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
}

type serviceRow struct {
	ID            string
	UnitID        string
	InstitutionID string
	Name          string
	Code          string
	CreatedAt     time.Time
}

func (serviceRow) TableName() string { return "services" }

func (r serviceRow) domain() domain.Service {
	return domain.Service{ID: r.ID, UnitID: r.UnitID, InstitutionID: r.InstitutionID, Name: r.Name, Code: r.Code, CreatedAt: r.CreatedAt}
}

type templateRow struct {
	ID              string
	Code            string
	Name            string
	BuiltIn         bool
	LatestVersionID string
	CreatedAt       time.Time
}

func (templateRow) TableName() string { return "templates" }

func (r templateRow) domain() domain.Template {
	return domain.Template{ID: r.ID, Code: r.Code, Name: r.Name, BuiltIn: r.BuiltIn, LatestVersionID: r.LatestVersionID, CreatedAt: r.CreatedAt}
}

type templateVersionRow struct {
	ID          string
	TemplateID  string
	Number      int
	Status      string
	Questions   string
	CreatedAt   time.Time
	PublishedAt *time.Time
}

func (templateVersionRow) TableName() string { return "template_versions" }

func (r templateVersionRow) domain() (domain.TemplateVersion, error) {
	v := domain.TemplateVersion{ID: r.ID, TemplateID: r.TemplateID, Number: r.Number, Status: r.Status,
		CreatedAt: r.CreatedAt, PublishedAt: r.PublishedAt}
	err := json.Unmarshal([]byte(r.Questions), &v.Questions)
	return v, err
}

type surveyRow struct {
	ID                string
	UnitID            string
	InstitutionID     string
	TemplateVersionID string
	Title             string
	Slug              string
	StartsOn          string
	EndsOn            string
	Population        int64
	LateDays          int
	Closed            bool
	CreatedAt         time.Time
	UpdatedAt         time.Time
}

func (surveyRow) TableName() string { return "surveys" }

func (r surveyRow) domain() domain.Survey {
	return domain.Survey(r)
}

type responseRow struct {
	ID                string
	InstitutionID     string
	ClientID          string
	SurveyID          string
	UnitID            string
	ServiceID         *string
	TemplateVersionID string
	Day               string
	CapturedAt        time.Time
	ReceivedAt        time.Time
	Profile           string
	Comment           string
	Receipt           string
	Suspicious        bool
	Excluded          bool
	// AnswerList is the answers as "U1:4,U2:3,…" by question code (codes
	// cannot hold ':' or ','), a copy of the response's rows in answers
	// (which never change): reading a response, an export or a rebuild
	// takes them from the row. In the database it is NULL for a row a
	// server older than the column wrote; reads then aggregate the answer
	// rows instead (answerListSQL).
	AnswerList string
}

func (responseRow) TableName() string { return "responses" }

// scanTargets are the fields of r in the order of responseCols, for the
// replay lookups to scan into.
func (r *responseRow) scanTargets() []any {
	return []any{&r.ID, &r.InstitutionID, &r.ClientID, &r.SurveyID, &r.UnitID, &r.ServiceID, &r.TemplateVersionID,
		&r.Day, &r.CapturedAt, &r.ReceivedAt, &r.Profile, &r.Comment, &r.Receipt, &r.Suspicious, &r.Excluded, &r.AnswerList}
}

type answerRow struct {
	ResponseID    string
	QuestionCode  string
	InstitutionID string
	Value         int16
}

func (answerRow) TableName() string { return "answers" }

type userRow struct {
	ID           string
	Email        string
	PasswordHash string
	Role         string
	UnitIDs      string
	Disabled     bool
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

func (userRow) TableName() string { return "users" }

func (r userRow) domain() domain.User {
	u := domain.User{ID: r.ID, Email: r.Email, PasswordHash: r.PasswordHash, Role: domain.Role(r.Role),
		Disabled: r.Disabled, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
	_ = json.Unmarshal([]byte(r.UnitIDs), &u.UnitIDs)
	return u
}

type sessionRow struct {
	TokenHash string
	UserID    string
	CreatedAt time.Time
	ExpiresAt time.Time
}

func (sessionRow) TableName() string { return "sessions" }

type auditRow struct {
	ID       string
	At       time.Time
	ActorID  string
	Action   string
	Entity   string
	EntityID string
	Before   string
	After    string
}

func (auditRow) TableName() string { return "audit_entries" }

type followUpRow struct {
	ID            string
	UnitID        string
	InstitutionID string
	Element       string
	Activity      string
	Owner         string
	Due           string
	Status        string
	Result        string
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

func (followUpRow) TableName() string { return "follow_ups" }

func (r followUpRow) domain() domain.FollowUp { return domain.FollowUp(r) }

// newID returns a UUIDv7: time-ordered, so inserts stay at the end of the
// primary-key index, and never a global sequence (the Citus plan).
func newID() string { return uuid.Must(uuid.NewV7()).String() }

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // only our own plain types are marshalled here
	}
	return string(b)
}
