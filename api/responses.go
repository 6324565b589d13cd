package api

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"suara/domain"
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
		Comment: r.Comment, Receipt: r.Receipt, Suspicious: r.Suspicious, Excluded: r.Excluded}
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
	return writeJSON(c, http.StatusOK, listOf(rs, next, toResponseJSON))
}
