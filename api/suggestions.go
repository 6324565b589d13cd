package api

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"suara/domain"
	"suara/store"
	"suara/survey"
)

type suggestionJSON struct {
	Element      string      `json:"element"`
	ElementID    string      `json:"element_id"`
	Name         string      `json:"name"`
	NRR          *float64    `json:"nrr"`
	Index        *float64    `json:"index"`
	Grade        *string     `json:"grade"`
	Respondents  int64       `json:"respondents"`
	Activity     string      `json:"activity"`
	ActivityText domain.Text `json:"activity_text"`
	HasFollowUp  bool        `json:"has_followup"`
}

type suggestionsJSON struct {
	UnitID      string           `json:"unit_id"`
	From        string           `json:"from"`
	To          string           `json:"to"`
	Respondents int64            `json:"respondents"`
	Items       []suggestionJSON `json:"items"`
}

// followUpSuggestions serves GET /api/v1/units/{id}/followups/suggestions:
// the weakest elements of the period (survey.Compute's, lowest NRR
// first), each with a default activity to start the plan from and
// whether the unit already planned something for it.
func (s *Server) followUpSuggestions(c echo.Context) error {
	u, err := s.seeUnit(c, c.Param("id"))
	if err != nil {
		return err
	}
	p, fields := s.periodOf(c, u)
	if len(fields) > 0 {
		return domain.Invalid(fields...)
	}
	ctx := c.Request().Context()
	counts, err := s.store.SubtreeCounts(ctx, u, store.CountQuery{From: p.From, To: p.To})
	if err != nil {
		return err
	}
	fus, err := s.store.FindFollowUps(ctx, u.ID)
	if err != nil {
		return err
	}
	planned := map[string]bool{}
	for _, f := range fus {
		if f.Status != domain.FollowUpDropped {
			planned[f.Element] = true
		}
	}
	lang := language(c.Request())
	res := survey.Compute(survey.SKM(), counts)
	out := suggestionsJSON{UnitID: u.ID, From: p.From, To: p.To, Respondents: res.Respondents, Items: []suggestionJSON{}}
	for _, code := range res.Weakest {
		for _, e := range res.Elements {
			if e.Code != code {
				continue
			}
			nrr, idx := e.NRR, e.Index
			action, _ := survey.SuggestedAction(e.ID)
			out.Items = append(out.Items, suggestionJSON{Element: e.Code, ElementID: e.ID, Name: textIn(e.Name, lang),
				NRR: &nrr, Index: &idx, Grade: nonEmpty(e.Grade), Respondents: e.Respondents,
				Activity: textIn(action, lang), ActivityText: action, HasFollowUp: planned[e.Code]})
		}
	}
	return writeJSON(c, http.StatusOK, out)
}
