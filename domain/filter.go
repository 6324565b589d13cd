package domain

// Page asks for one page of a list: at most Limit items after Cursor
// (an opaque value from the previous page's next cursor).
type Page struct {
	Limit  int
	Cursor string
}

// Scope limits a list to the units under any of Paths; nil means every
// unit (an administrator).
type Scope struct {
	Paths []string
	All   bool
}

// ScopeOf returns the scope of a principal.
func ScopeOf(p Principal) Scope {
	if p.IsAdmin() {
		return Scope{All: true}
	}
	return Scope{Paths: p.Paths}
}

// ResponseFilter selects responses.
type ResponseFilter struct {
	SurveyID string
	UnitPath string // the unit and its subtree, if set
	From, To string // YYYY-MM-DD, inclusive, if set
	Search   string // substring of the comment
	Page
}
