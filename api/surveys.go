package api

import (
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"suara/domain"
	"suara/store"
	"suara/survey"
)

type surveyJSON struct {
	ID                string    `json:"id"`
	UnitID            string    `json:"unit_id"`
	TemplateVersionID string    `json:"template_version_id"`
	Title             string    `json:"title"`
	Slug              string    `json:"slug"`
	URL               string    `json:"url"`
	StartsOn          string    `json:"starts_on"`
	EndsOn            string    `json:"ends_on"`
	Population        int64     `json:"population"`
	RequiredSample    int64     `json:"required_sample"`
	LateDays          int       `json:"late_days"`
	Closed            bool      `json:"closed"`
	CreatedAt         time.Time `json:"created_at"`
	UpdatedAt         time.Time `json:"updated_at"`
}

func (s *Server) toSurveyJSON(c echo.Context, sv domain.Survey) surveyJSON {
	return surveyJSON{ID: sv.ID, UnitID: sv.UnitID, TemplateVersionID: sv.TemplateVersionID, Title: sv.Title,
		Slug: sv.Slug, URL: s.baseURL(c) + "/s/" + sv.Slug, StartsOn: sv.StartsOn, EndsOn: sv.EndsOn,
		Population: sv.Population, RequiredSample: survey.KrejcieMorgan(sv.Population), LateDays: sv.LateDays,
		Closed: sv.Closed, CreatedAt: sv.CreatedAt.UTC(), UpdatedAt: sv.UpdatedAt.UTC()}
}

// baseURL is Options.BaseURL, or the address the request came to.
func (s *Server) baseURL(c echo.Context) string {
	if s.opts.BaseURL != "" {
		return strings.TrimRight(s.opts.BaseURL, "/")
	}
	return c.Scheme() + "://" + c.Request().Host
}

type createSurveyRequest struct {
	UnitID            string `json:"unit_id" validate:"required,uuid"`
	TemplateVersionID string `json:"template_version_id" validate:"required,uuid"`
	Title             string `json:"title" validate:"required,max=200"`
	StartsOn          string `json:"starts_on" validate:"required,date"`
	EndsOn            string `json:"ends_on" validate:"required,date"`
	Population        int64  `json:"population" validate:"gte=0,lte=1000000000"`
	LateDays          *int   `json:"late_days" validate:"omitempty,gte=0,lte=90"`
}

type updateSurveyRequest struct {
	Title      *string `json:"title" validate:"omitempty,min=1,max=200"`
	StartsOn   *string `json:"starts_on" validate:"omitempty,date"`
	EndsOn     *string `json:"ends_on" validate:"omitempty,date"`
	Population *int64  `json:"population" validate:"omitempty,gte=0,lte=1000000000"`
	LateDays   *int    `json:"late_days" validate:"omitempty,gte=0,lte=90"`
	Closed     *bool   `json:"closed"`
}

// listSurveys serves GET /api/v1/surveys[?unit_id=]: the surveys in the
// caller's scope, newest first.
func (s *Server) listSurveys(c echo.Context) error {
	pg, err := pageOf(c)
	if err != nil {
		return err
	}
	unitPath := ""
	if id := c.QueryParam("unit_id"); id != "" {
		u, err := s.seeUnit(c, id)
		if err != nil {
			return err
		}
		unitPath = u.Path
	}
	svs, next, err := s.store.FindSurveys(c.Request().Context(), domain.ScopeOf(principal(c)), unitPath, pg)
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, listOf(svs, next, func(sv domain.Survey) surveyJSON { return s.toSurveyJSON(c, sv) }))
}

// seeSurvey returns a survey the caller may see, else NotFound.
func (s *Server) seeSurvey(c echo.Context, id string) (domain.Survey, domain.Unit, error) {
	sv, err := s.store.FindSurvey(c.Request().Context(), id)
	if err != nil {
		return sv, domain.Unit{}, err
	}
	u, err := s.store.FindUnit(c.Request().Context(), sv.UnitID)
	if err != nil {
		return sv, u, err
	}
	if !principal(c).CanSee(u.Path) {
		return domain.Survey{}, domain.Unit{}, domain.NotFound("survey")
	}
	return sv, u, nil
}

// getSurvey serves GET /api/v1/surveys/{id}.
func (s *Server) getSurvey(c echo.Context) error {
	sv, _, err := s.seeSurvey(c, c.Param("id"))
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, s.toSurveyJSON(c, sv))
}

// createSurvey serves POST /api/v1/surveys.
func (s *Server) createSurvey(c echo.Context) error {
	var in createSurveyRequest
	if err := s.decode(c, &in); err != nil {
		return err
	}
	if in.EndsOn < in.StartsOn {
		return domain.Invalid(domain.Field("ends_on", "date_order"))
	}
	u, err := s.seeUnit(c, in.UnitID)
	if domain.KindOf(err) == domain.KindNotFound {
		return domain.Invalid(domain.Field("unit_id", "not_found"))
	} else if err != nil {
		return err
	}
	if err := canManage(c, u); err != nil {
		return err
	}
	sv := domain.Survey{UnitID: u.ID, TemplateVersionID: in.TemplateVersionID, Title: strings.TrimSpace(in.Title),
		StartsOn: in.StartsOn, EndsOn: in.EndsOn, Population: in.Population}
	if in.LateDays != nil {
		sv.LateDays = *in.LateDays
	}
	err = s.store.InTx(c.Request().Context(), func(tx *store.Store) error {
		if err := tx.CreateSurvey(c.Request().Context(), &sv); err != nil {
			return err
		}
		return audit(c, tx, "survey.create", "survey", sv.ID, nil, s.toSurveyJSON(c, sv))
	})
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusCreated, s.toSurveyJSON(c, sv))
}

// updateSurvey serves PATCH /api/v1/surveys/{id}: title, dates,
// population, late days, and closing (or reopening) early.
func (s *Server) updateSurvey(c echo.Context) error {
	var in updateSurveyRequest
	if err := s.decode(c, &in); err != nil {
		return err
	}
	before, u, err := s.seeSurvey(c, c.Param("id"))
	if err != nil {
		return err
	}
	if err := canManage(c, u); err != nil {
		return err
	}
	starts, ends := before.StartsOn, before.EndsOn
	if in.StartsOn != nil {
		starts = *in.StartsOn
	}
	if in.EndsOn != nil {
		ends = *in.EndsOn
	}
	if ends < starts {
		return domain.Invalid(domain.Field("ends_on", "date_order"))
	}
	if in.Title != nil {
		t := strings.TrimSpace(*in.Title)
		in.Title = &t
	}
	var after domain.Survey
	err = s.store.InTx(c.Request().Context(), func(tx *store.Store) error {
		var err error
		after, err = tx.UpdateSurvey(c.Request().Context(), before.ID, domain.SurveyUpdate{Title: in.Title, StartsOn: in.StartsOn,
			EndsOn: in.EndsOn, Population: in.Population, LateDays: in.LateDays, Closed: in.Closed})
		if err != nil {
			return err
		}
		return audit(c, tx, "survey.update", "survey", before.ID, s.toSurveyJSON(c, before), s.toSurveyJSON(c, after))
	})
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, s.toSurveyJSON(c, after))
}
