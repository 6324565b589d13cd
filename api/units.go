package api

import (
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"suara/domain"
	"suara/store"
)

type unitJSON struct {
	ID            string    `json:"id"`
	ParentID      *string   `json:"parent_id"`
	InstitutionID string    `json:"institution_id"`
	Name          string    `json:"name"`
	Code          string    `json:"code"`
	TimeZone      string    `json:"timezone"`
	Depth         int       `json:"depth"`
	CreatedAt     time.Time `json:"created_at"`
	UpdatedAt     time.Time `json:"updated_at"`
}

func toUnitJSON(u domain.Unit) unitJSON {
	return unitJSON{ID: u.ID, ParentID: u.ParentID, InstitutionID: u.InstitutionID, Name: u.Name, Code: u.Code,
		TimeZone: u.TimeZone, Depth: strings.Count(u.Path, "/") - 2, CreatedAt: u.CreatedAt.UTC(), UpdatedAt: u.UpdatedAt.UTC()}
}

type createUnitRequest struct {
	Name     string  `json:"name" validate:"required,max=200"`
	Code     string  `json:"code" validate:"required,max=64,code"`
	ParentID *string `json:"parent_id" validate:"omitempty,uuid"`
	TimeZone string  `json:"timezone" validate:"required,tz"`
}

type updateUnitRequest struct {
	Name     *string `json:"name" validate:"omitempty,min=1,max=200"`
	Code     *string `json:"code" validate:"omitempty,max=64,code"`
	TimeZone *string `json:"timezone" validate:"omitempty,tz"`
}

// listUnits serves GET /api/v1/units: the units in the caller's scope,
// parents before their children.
func (s *Server) listUnits(c echo.Context) error {
	pg, err := pageOf(c)
	if err != nil {
		return err
	}
	units, err := s.store.FindUnits(c.Request().Context(), domain.ScopeOf(principal(c)))
	if err != nil {
		return err
	}
	out, err := pageIn(units, pg, func(u domain.Unit) string { return u.ID }, toUnitJSON)
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, out)
}

// getUnit serves GET /api/v1/units/{id}.
func (s *Server) getUnit(c echo.Context) error {
	u, err := s.seeUnit(c, c.Param("id"))
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, toUnitJSON(u))
}

// createUnit serves POST /api/v1/units. Only an administrator creates an
// institution (a unit without a parent); a manager adds units below theirs.
func (s *Server) createUnit(c echo.Context) error {
	var in createUnitRequest
	if err := s.decode(c, &in); err != nil {
		return err
	}
	if in.ParentID == nil {
		if !principal(c).IsAdmin() {
			return errForbidden
		}
	} else {
		parent, err := s.seeUnit(c, *in.ParentID)
		if domain.KindOf(err) == domain.KindNotFound { // outside the scope reads as absent
			return domain.Invalid(domain.Field("parent_id", "not_found"))
		} else if err != nil {
			return err
		}
		if err := canManage(c, parent); err != nil {
			return err
		}
	}
	// Copy field by field: a client never sets id, path or times.
	u := domain.Unit{Name: strings.TrimSpace(in.Name), Code: in.Code, ParentID: in.ParentID, TimeZone: in.TimeZone}
	err := s.store.InTx(c.Request().Context(), func(tx *store.Store) error {
		if err := tx.CreateUnit(c.Request().Context(), &u); err != nil {
			return err
		}
		return audit(c, tx, "unit.create", "unit", u.ID, nil, toUnitJSON(u))
	})
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusCreated, toUnitJSON(u))
}

// updateUnit serves PATCH /api/v1/units/{id}.
func (s *Server) updateUnit(c echo.Context) error {
	var in updateUnitRequest
	if err := s.decode(c, &in); err != nil {
		return err
	}
	before, err := s.manageUnit(c, c.Param("id"))
	if err != nil {
		return err
	}
	var after domain.Unit
	err = s.store.InTx(c.Request().Context(), func(tx *store.Store) error {
		var err error
		after, err = tx.UpdateUnit(c.Request().Context(), before.ID, domain.UnitUpdate{Name: in.Name, Code: in.Code, TimeZone: in.TimeZone})
		if err != nil {
			return err
		}
		return audit(c, tx, "unit.update", "unit", before.ID, toUnitJSON(before), toUnitJSON(after))
	})
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, toUnitJSON(after))
}

// deleteUnit serves DELETE /api/v1/units/{id}. A manager may delete units
// below the ones they were given, not those themselves; a unit with
// children, surveys or responses stays (409).
func (s *Server) deleteUnit(c echo.Context) error {
	u, err := s.manageUnit(c, c.Param("id"))
	if err != nil {
		return err
	}
	p := principal(c)
	if !p.IsAdmin() {
		for _, root := range p.Paths {
			if root == u.Path {
				return errForbidden
			}
		}
	}
	err = s.store.InTx(c.Request().Context(), func(tx *store.Store) error {
		if err := tx.DeleteUnit(c.Request().Context(), u.ID); err != nil {
			return err
		}
		return audit(c, tx, "unit.delete", "unit", u.ID, toUnitJSON(u), nil)
	})
	if err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
