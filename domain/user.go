package domain

import (
	"strings"
	"time"
)

// Role is what a user may do within their units.
type Role string

const (
	RoleAdmin   Role = "admin"   // everything, everywhere
	RoleManager Role = "manager" // read and manage within their units' subtrees
	RoleViewer  Role = "viewer"  // read within their units' subtrees
)

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return r == RoleAdmin || r == RoleManager || r == RoleViewer }

// User is a person who manages or watches units.
type User struct {
	ID           string
	Email        string
	PasswordHash string
	Role         Role
	UnitIDs      []string
	Disabled     bool
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// UserUpdate holds the fields of a PATCH; nil means unchanged.
type UserUpdate struct {
	Password *string // plain; hashed by the store
	Role     *Role
	UnitIDs  *[]string
	Disabled *bool
}

// Principal is an authenticated user with the paths of the units they
// were given. Scope checks compare materialised paths, so "this unit or
// anything below it" costs a string prefix test.
type Principal struct {
	User      User
	SessionID string
	Paths     []string
}

// IsAdmin reports whether the principal is an administrator.
func (p Principal) IsAdmin() bool { return p.User.Role == RoleAdmin }

// CanSee reports whether the unit at unitPath is within the principal's scope.
func (p Principal) CanSee(unitPath string) bool {
	if p.IsAdmin() {
		return true
	}
	for _, root := range p.Paths {
		if strings.HasPrefix(unitPath, root) {
			return true
		}
	}
	return false
}

// CanManage reports whether the principal may change the unit at unitPath.
func (p Principal) CanManage(unitPath string) bool {
	return p.User.Role != RoleViewer && p.CanSee(unitPath)
}
