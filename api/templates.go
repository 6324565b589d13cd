package api

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"suara/domain"
	"suara/store"
)

type templateJSON struct {
	ID              string    `json:"id"`
	Code            string    `json:"code"`
	Name            string    `json:"name"`
	BuiltIn         bool      `json:"built_in"`
	LatestVersionID string    `json:"latest_version_id"`
	CreatedAt       time.Time `json:"created_at"`
}

func toTemplateJSON(t domain.Template) templateJSON {
	return templateJSON{ID: t.ID, Code: t.Code, Name: t.Name, BuiltIn: t.BuiltIn, LatestVersionID: t.LatestVersionID, CreatedAt: t.CreatedAt.UTC()}
}

type templateVersionJSON struct {
	ID          string            `json:"id"`
	TemplateID  string            `json:"template_id"`
	Number      int               `json:"number"`
	Status      string            `json:"status"`
	Questions   []domain.Question `json:"questions"`
	CreatedAt   time.Time         `json:"created_at"`
	PublishedAt *time.Time        `json:"published_at"`
}

func toVersionJSON(v domain.TemplateVersion) templateVersionJSON {
	out := templateVersionJSON{ID: v.ID, TemplateID: v.TemplateID, Number: v.Number, Status: v.Status,
		Questions: v.Questions, CreatedAt: v.CreatedAt.UTC(), PublishedAt: v.PublishedAt}
	if out.Questions == nil {
		out.Questions = []domain.Question{}
	}
	if out.PublishedAt != nil {
		t := out.PublishedAt.UTC()
		out.PublishedAt = &t
	}
	return out
}

type templateDetailJSON struct {
	templateJSON
	Versions []templateVersionJSON `json:"versions"`
}

type textRequest struct {
	ID string `json:"id" validate:"required,max=500"`
	EN string `json:"en" validate:"max=500"`
}

type optionRequest struct {
	Value string      `json:"value" validate:"required,max=64"`
	Label textRequest `json:"label"`
}

type questionRequest struct {
	Code     string          `json:"code" validate:"required,max=32,code"`
	Kind     string          `json:"kind" validate:"required,oneof=element choice number text"`
	Element  string          `json:"element" validate:"max=64"`
	Required bool            `json:"required"`
	Label    textRequest     `json:"label"`
	Options  []optionRequest `json:"options" validate:"max=50,dive"`
	Min      int             `json:"min"`
	Max      int             `json:"max" validate:"gte=0"`
}

type createTemplateRequest struct {
	Code      string            `json:"code" validate:"required,max=64,code"`
	Name      string            `json:"name" validate:"required,max=200"`
	Questions []questionRequest `json:"questions" validate:"required,min=1,max=100,dive"`
}

type createVersionRequest struct {
	Questions []questionRequest `json:"questions" validate:"required,min=1,max=100,dive"`
}

func toQuestions(in []questionRequest) []domain.Question {
	out := make([]domain.Question, len(in))
	for i, q := range in {
		opts := make([]domain.Option, len(q.Options))
		for j, o := range q.Options {
			opts[j] = domain.Option{Value: o.Value, Label: domain.Text{ID: o.Label.ID, EN: o.Label.EN}}
		}
		out[i] = domain.Question{Code: q.Code, Kind: q.Kind, Element: q.Element, Required: q.Required,
			Label: domain.Text{ID: q.Label.ID, EN: q.Label.EN}, Options: opts, Min: q.Min, Max: q.Max}
	}
	return out
}

// listTemplates serves GET /api/v1/templates; the built-in one comes first.
func (s *Server) listTemplates(c echo.Context) error {
	pg, err := pageOf(c)
	if err != nil {
		return err
	}
	ts, err := s.store.FindTemplates(c.Request().Context())
	if err != nil {
		return err
	}
	out, err := pageIn(ts, pg, func(t domain.Template) string { return t.ID }, toTemplateJSON)
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, out)
}

// getTemplate serves GET /api/v1/templates/{id} with every version.
func (s *Server) getTemplate(c echo.Context) error {
	t, versions, err := s.store.FindTemplate(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	out := templateDetailJSON{templateJSON: toTemplateJSON(t), Versions: make([]templateVersionJSON, 0, len(versions))}
	for _, v := range versions {
		out.Versions = append(out.Versions, toVersionJSON(v))
	}
	return writeJSON(c, http.StatusOK, out)
}

// getTemplateVersion serves GET /api/v1/template-versions/{id}.
func (s *Server) getTemplateVersion(c echo.Context) error {
	v, err := s.store.FindTemplateVersion(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, toVersionJSON(v))
}

// createTemplate serves POST /api/v1/templates (administrators): a new
// questionnaire whose first version is a draft.
func (s *Server) createTemplate(c echo.Context) error {
	var in createTemplateRequest
	if err := withQuestionErrors(s.decodeWith(c, &in, strict, maxTemplateBody), in.Questions); err != nil {
		return err
	}
	t := domain.Template{Code: in.Code, Name: in.Name}
	var v domain.TemplateVersion
	err := s.store.InTx(c.Request().Context(), func(tx *store.Store) error {
		var err error
		if v, err = tx.CreateTemplate(c.Request().Context(), &t, toQuestions(in.Questions)); err != nil {
			return err
		}
		return audit(c, tx, "template.create", "template", t.ID, nil, toVersionJSON(v))
	})
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusCreated, templateDetailJSON{templateJSON: toTemplateJSON(t), Versions: []templateVersionJSON{toVersionJSON(v)}})
}

// createTemplateVersion serves POST /api/v1/templates/{id}/versions
// (administrators): a new draft. Published versions never change.
func (s *Server) createTemplateVersion(c echo.Context) error {
	var in createVersionRequest
	if err := withQuestionErrors(s.decodeWith(c, &in, strict, maxTemplateBody), in.Questions); err != nil {
		return err
	}
	id := c.Param("id")
	if !domain.IsUUID(id) {
		return domain.NotFound("template")
	}
	var v domain.TemplateVersion
	err := s.store.InTx(c.Request().Context(), func(tx *store.Store) error {
		var err error
		if v, err = tx.CreateTemplateVersion(c.Request().Context(), id, toQuestions(in.Questions)); err != nil {
			return err
		}
		return audit(c, tx, "template.version.create", "template_version", v.ID, nil, toVersionJSON(v))
	})
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusCreated, toVersionJSON(v))
}

// publishTemplateVersion serves POST /api/v1/template-versions/{id}/publish
// (administrators). Publishing twice is a 409.
func (s *Server) publishTemplateVersion(c echo.Context) error {
	id := c.Param("id")
	var v domain.TemplateVersion
	err := s.store.InTx(c.Request().Context(), func(tx *store.Store) error {
		before, err := tx.FindTemplateVersion(c.Request().Context(), id)
		if err != nil {
			return err
		}
		if v, err = tx.PublishTemplateVersion(c.Request().Context(), id); err != nil {
			return err
		}
		return audit(c, tx, "template.version.publish", "template_version", v.ID,
			map[string]string{"status": before.Status}, map[string]string{"status": v.Status})
	})
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, toVersionJSON(v))
}

// withQuestionErrors adds the questionnaire's own rules (unique codes,
// element options 1..4, …) to the shape errors of a decoded request, so
// that one 422 names every bad field.
func withQuestionErrors(err error, qs []questionRequest) error {
	if domain.KindOf(err) != domain.KindInvalid || len(qs) == 0 {
		return err
	}
	fields := domain.FieldErrors(err)
	seen := map[string]bool{}
	for _, f := range fields {
		seen[f.Field] = true
	}
	for _, f := range domain.FieldErrors(domain.CheckQuestions(toQuestions(qs))) {
		if !seen[f.Field] && f.Field != "questions" {
			seen[f.Field] = true
			fields = append(fields, f)
		}
	}
	domain.SortFields(fields)
	return domain.Invalid(fields...)
}
