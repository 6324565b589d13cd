package domain

import "time"

// DateLayout is how dates travel and are stored: a civil day, counted in
// the unit's own time zone.
const DateLayout = "2006-01-02"

// Survey is one survey period of a unit (or of a parent unit whose
// children citizens may pick: "no wrong door"), bound to one published
// template version.
type Survey struct {
	ID                string
	UnitID            string
	InstitutionID     string
	TemplateVersionID string
	Title             string
	Slug              string
	StartsOn          string // YYYY-MM-DD, inclusive
	EndsOn            string // YYYY-MM-DD, inclusive
	Population        int64  // service users in the period, for the required sample
	LateDays          int    // how long an answer queued offline may wait to arrive
	Closed            bool   // closed early by a manager
	CreatedAt         time.Time
	UpdatedAt         time.Time
}

// DefaultLateDays is how many days an offline answer may take to arrive.
const DefaultLateDays = 14

// OpenOn reports whether the survey accepts answers given on day (YYYY-MM-DD).
func (s Survey) OpenOn(day string) bool {
	return !s.Closed && day >= s.StartsOn && day <= s.EndsOn
}

// SurveyUpdate holds the fields of a PATCH; nil means unchanged.
type SurveyUpdate struct {
	Title      *string
	StartsOn   *string
	EndsOn     *string
	Population *int64
	LateDays   *int
	Closed     *bool
}
