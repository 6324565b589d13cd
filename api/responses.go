package api

import (
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"suara/domain"
	"suara/store"
)

type responseJSON struct {
	ID         string            `json:"id"`
	SurveyID   string            `json:"survey_id"`
	UnitID     string            `json:"unit_id"`
	ServiceID  *string           `json:"service_id"`
	Day        string            `json:"day"`
	CapturedAt time.Time         `json:"captured_at"`
	ReceivedAt time.Time         `json:"received_at"`
	Answers    map[string]int    `json:"answers"`
	Profile    map[string]string `json:"profile"`
	Comment    string            `json:"comment"`
	Receipt    string            `json:"receipt"`
	Suspicious bool              `json:"suspicious"`
	Excluded   bool              `json:"excluded"`
}

func toResponseJSON(r domain.Response) responseJSON {
	out := responseJSON{ID: r.ID, SurveyID: r.SurveyID, UnitID: r.UnitID, ServiceID: r.ServiceID, Day: r.Day,
		CapturedAt: r.CapturedAt.UTC(), ReceivedAt: r.ReceivedAt.UTC(), Answers: r.Answers, Profile: r.Profile,
		Comment: domain.MaskPII(r.Comment), Receipt: r.Receipt, Suspicious: r.Suspicious, Excluded: r.Excluded}
	if out.Answers == nil {
		out.Answers = map[string]int{}
	}
	if out.Profile == nil {
		out.Profile = map[string]string{}
	}
	return out
}

// listResponses serves GET /api/v1/surveys/{id}/responses[?from&to&q]:
// the answers with their comments, newest first.
func (s *Server) listResponses(c echo.Context) error {
	pg, err := pageOf(c)
	if err != nil {
		return err
	}
	from, to := c.QueryParam("from"), c.QueryParam("to")
	var fields []domain.FieldError
	if from != "" && !validDate(from) {
		fields = append(fields, domain.Field("from", "date"))
	}
	if to != "" && !validDate(to) {
		fields = append(fields, domain.Field("to", "date"))
	}
	q := c.QueryParam("q")
	if len(q) > 200 {
		fields = append(fields, domain.FieldError{Field: "q", Code: "max_len", Args: map[string]any{"max": 200}})
	}
	if len(fields) > 0 {
		return domain.Invalid(fields...)
	}
	sv, u, err := s.seeSurvey(c, c.Param("id"))
	if err != nil {
		return err
	}
	// Scope by the survey's unit path too: a survey of a parent unit may
	// hold answers for its children, all inside the caller's scope.
	rs, next, err := s.store.FindResponses(c.Request().Context(), domain.ResponseFilter{
		SurveyID: sv.ID, UnitPath: u.Path, From: from, To: to, Search: q, Page: pg})
	if err != nil {
		return err
	}
	if q != "" {
		// The search ran on the stored text; keep only answers whose
		// masked comment matches, so a search cannot probe a masked NIK or
		// phone number. A page may come back short; the cursor still holds.
		kept := rs[:0]
		for _, r := range rs {
			if strings.Contains(strings.ToLower(domain.MaskPII(r.Comment)), strings.ToLower(q)) {
				kept = append(kept, r)
			}
		}
		rs = kept
	}
	return writeJSON(c, http.StatusOK, listOf(rs, next, toResponseJSON))
}

type excludeRequest struct {
	Excluded *bool  `json:"excluded" validate:"required"`
	Reason   string `json:"reason" validate:"max=500"`
}

// responseAuditJSON is what the audit log keeps of a response: where and
// when, never the answers, the profile or the comment, so that a deleted
// response leaves no personal data behind in the log.
type responseAuditJSON struct {
	ID         string `json:"id"`
	SurveyID   string `json:"survey_id"`
	UnitID     string `json:"unit_id"`
	Day        string `json:"day"`
	Receipt    string `json:"receipt"`
	Suspicious bool   `json:"suspicious"`
	Excluded   bool   `json:"excluded"`
	Reason     string `json:"reason,omitempty"`
}

func toResponseAudit(r domain.Response, reason string) responseAuditJSON {
	return responseAuditJSON{ID: r.ID, SurveyID: r.SurveyID, UnitID: r.UnitID, Day: r.Day, Receipt: r.Receipt,
		Suspicious: r.Suspicious, Excluded: r.Excluded, Reason: reason}
}

// findResponseIn returns a response the caller may see (404 otherwise)
// and its unit.
func (s *Server) findResponseIn(c echo.Context, id string) (domain.Response, domain.Unit, error) {
	r, err := s.store.FindResponse(c.Request().Context(), id)
	if err != nil {
		return r, domain.Unit{}, err
	}
	u, err := s.store.FindUnit(c.Request().Context(), r.UnitID)
	if err != nil {
		return r, u, err
	}
	if !principal(c).CanSee(u.Path) {
		return domain.Response{}, domain.Unit{}, domain.NotFound("response")
	}
	return r, u, nil
}

// excludeResponse serves POST /api/v1/responses/{id}/exclude: a manager
// takes a response out of the index (a suspicious burst) or back in. The
// rollups change in the same transaction, with an audit entry that keeps
// the reason.
func (s *Server) excludeResponse(c echo.Context) error {
	var in excludeRequest
	if err := s.decode(c, &in); err != nil {
		return err
	}
	before, u, err := s.findResponseIn(c, c.Param("id"))
	if err != nil {
		return err
	}
	if err := canManage(c, u); err != nil {
		return err
	}
	var after domain.Response
	err = s.store.InTx(c.Request().Context(), func(tx *store.Store) error {
		var err error
		if after, err = tx.SetExcluded(c.Request().Context(), before.ID, *in.Excluded); err != nil {
			return err
		}
		action := "response.include"
		if *in.Excluded {
			action = "response.exclude"
		}
		return audit(c, tx, action, "response", before.ID, toResponseAudit(before, ""), toResponseAudit(after, in.Reason))
	})
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, toResponseJSON(after))
}

// deleteResponse serves DELETE /api/v1/responses/{id} (administrators):
// a data subject's erasure request, or test data. The response, its
// answers and its share of the rollups go in one transaction; the audit
// entry records who deleted which receipt, without the content.
func (s *Server) deleteResponse(c echo.Context) error {
	before, _, err := s.findResponseIn(c, c.Param("id"))
	if err != nil {
		return err
	}
	err = s.store.InTx(c.Request().Context(), func(tx *store.Store) error {
		if _, err := tx.DeleteResponse(c.Request().Context(), before.ID); err != nil {
			return err
		}
		return audit(c, tx, "response.delete", "response", before.ID, toResponseAudit(before, ""), nil)
	})
	if err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
