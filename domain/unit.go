package domain

import (
	"strings"
	"time"
)

// TimeZones are the three Indonesian time zones a unit can count its days in.
var TimeZones = map[string]string{
	"Asia/Jakarta":  "WIB",
	"Asia/Makassar": "WITA",
	"Asia/Jayapura": "WIT",
}

// Unit is a public-service unit: an institution (a root), a dinas, a
// puskesmas, a counter. Units form a tree; Path lists the ids from the root
// down to the unit itself ("/root/…/id/"), so a subtree is one prefix query.
type Unit struct {
	ID            string
	ParentID      *string
	InstitutionID string // the root of the tree; the distribution key for scale-out
	Path          string
	Name          string
	Code          string
	TimeZone      string
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// Location returns the unit's time zone, WIB when unset or unknown.
func (u Unit) Location() *time.Location {
	if loc, err := time.LoadLocation(u.TimeZone); err == nil && u.TimeZone != "" {
		return loc
	}
	loc, _ := time.LoadLocation("Asia/Jakarta")
	return loc
}

// Contains reports whether other is u itself or below u in the tree.
func (u Unit) Contains(other Unit) bool { return strings.HasPrefix(other.Path, u.Path) }

// UnitPath returns the materialised path of a unit with the given id under
// a parent path ("" for a root).
func UnitPath(parentPath, id string) string {
	if parentPath == "" {
		return "/" + id + "/"
	}
	return parentPath + id + "/"
}

// UnitUpdate holds the fields of a PATCH; nil means unchanged.
type UnitUpdate struct {
	Name     *string
	Code     *string
	TimeZone *string
}

// Service is a kind of service a unit offers (KTP, akta, poli umum…).
type Service struct {
	ID            string
	UnitID        string
	InstitutionID string
	Name          string
	Code          string
	CreatedAt     time.Time
}
