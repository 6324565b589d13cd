package api

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"suara/domain"
	"suara/store"
)

type followUpJSON struct {
	ID        string    `json:"id"`
	UnitID    string    `json:"unit_id"`
	Element   string    `json:"element"`
	Activity  string    `json:"activity"`
	Owner     string    `json:"owner"`
	Due       string    `json:"due"`
	Status    string    `json:"status"`
	Result    string    `json:"result"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

func toFollowUpJSON(f domain.FollowUp) followUpJSON {
	return followUpJSON{ID: f.ID, UnitID: f.UnitID, Element: f.Element, Activity: f.Activity, Owner: f.Owner,
		Due: f.Due, Status: f.Status, Result: f.Result, CreatedAt: f.CreatedAt.UTC(), UpdatedAt: f.UpdatedAt.UTC()}
}

type createFollowUpRequest struct {
	Element  string `json:"element" validate:"required,max=32,code"`
	Activity string `json:"activity" validate:"required,max=2000"`
	Owner    string `json:"owner" validate:"max=200"`
	Due      string `json:"due" validate:"required,date"`
	Status   string `json:"status" validate:"omitempty,oneof=planned in_progress done dropped"`
	Result   string `json:"result" validate:"max=4000"`
}

type updateFollowUpRequest struct {
	Activity *string `json:"activity" validate:"omitempty,min=1,max=2000"`
	Owner    *string `json:"owner" validate:"omitempty,max=200"`
	Due      *string `json:"due" validate:"omitempty,date"`
	Status   *string `json:"status" validate:"omitempty,oneof=planned in_progress done dropped"`
	Result   *string `json:"result" validate:"omitempty,max=4000"`
}

// listFollowUps serves GET /api/v1/units/{id}/followups: the unit's
// rencana tindak lanjut, by due date.
func (s *Server) listFollowUps(c echo.Context) error {
	pg, err := pageOf(c)
	if err != nil {
		return err
	}
	u, err := s.seeUnit(c, c.Param("id"))
	if err != nil {
		return err
	}
	fs, err := s.store.FindFollowUps(c.Request().Context(), u.ID)
	if err != nil {
		return err
	}
	out, err := pageIn(fs, pg, func(f domain.FollowUp) string { return f.ID }, toFollowUpJSON)
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, out)
}

// createFollowUp serves POST /api/v1/units/{id}/followups.
func (s *Server) createFollowUp(c echo.Context) error {
	var in createFollowUpRequest
	if err := s.decode(c, &in); err != nil {
		return err
	}
	u, err := s.manageUnit(c, c.Param("id"))
	if err != nil {
		return err
	}
	f := domain.FollowUp{UnitID: u.ID, Element: in.Element, Activity: in.Activity, Owner: in.Owner, Due: in.Due,
		Status: in.Status, Result: in.Result}
	err = s.store.InTx(c.Request().Context(), func(tx *store.Store) error {
		if err := tx.CreateFollowUp(c.Request().Context(), &f); err != nil {
			return err
		}
		return audit(c, tx, "followup.create", "followup", f.ID, nil, toFollowUpJSON(f))
	})
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusCreated, toFollowUpJSON(f))
}

// updateFollowUp serves PATCH /api/v1/followups/{id}.
func (s *Server) updateFollowUp(c echo.Context) error {
	var in updateFollowUpRequest
	if err := s.decode(c, &in); err != nil {
		return err
	}
	before, err := s.store.FindFollowUp(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	u, err := s.store.FindUnit(c.Request().Context(), before.UnitID)
	if err != nil {
		return err
	}
	if !principal(c).CanSee(u.Path) {
		return domain.NotFound("follow-up")
	}
	if err := canManage(c, u); err != nil {
		return err
	}
	var after domain.FollowUp
	err = s.store.InTx(c.Request().Context(), func(tx *store.Store) error {
		var err error
		after, err = tx.UpdateFollowUp(c.Request().Context(), before.ID, domain.FollowUpUpdate{
			Activity: in.Activity, Owner: in.Owner, Due: in.Due, Status: in.Status, Result: in.Result})
		if err != nil {
			return err
		}
		return audit(c, tx, "followup.update", "followup", before.ID, toFollowUpJSON(before), toFollowUpJSON(after))
	})
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, toFollowUpJSON(after))
}
