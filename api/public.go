package api

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"suara/domain"
	"suara/store"
	"suara/survey"
)

// clockSkew is how far ahead of the server a phone's clock may run.
const clockSkew = 5 * time.Minute

type publicFormJSON struct {
	Survey    publicSurveyJSON    `json:"survey"`
	Unit      publicUnitJSON      `json:"unit"`
	Units     []publicUnitJSON    `json:"units"`
	Services  []publicServiceJSON `json:"services"`
	Questions []domain.Question   `json:"questions"`
}

type publicSurveyJSON struct {
	ID       string `json:"id"`
	Title    string `json:"title"`
	StartsOn string `json:"starts_on"`
	EndsOn   string `json:"ends_on"`
}

type publicUnitJSON struct {
	ID       string  `json:"id"`
	Name     string  `json:"name"`
	ParentID *string `json:"parent_id,omitempty"`
}

type publicServiceJSON struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	UnitID string `json:"unit_id"`
}

// submitRequest is the citizen's answer set. It is decoded tolerantly: a
// phone that queued it offline before an upgrade may send other fields.
type submitRequest struct {
	ClientID   string         `json:"client_id"`
	UnitID     string         `json:"unit_id"`
	ServiceID  string         `json:"service_id"`
	Profile    map[string]any `json:"profile"`
	Answers    map[string]any `json:"answers"`
	Comment    string         `json:"comment"`
	CapturedAt string         `json:"captured_at"`
}

type receiptJSON struct {
	ID      string `json:"id"`
	Receipt string `json:"receipt"`
}

// publicSurvey finds an open survey by slug: 404 unknown, 410 closed.
func (s *Server) publicSurvey(ctx context.Context, slug string) (domain.Survey, domain.Unit, error) {
	if slug == "" || len(slug) > 64 {
		return domain.Survey{}, domain.Unit{}, domain.NotFound("survey")
	}
	e, err := s.public.surveys.get(ctx, time.Now(), slug, s.loadSurvey)
	if err != nil {
		return e.survey, e.unit, err
	}
	if e.survey.Closed {
		return e.survey, domain.Unit{}, errSurveyClosed
	}
	return e.survey, e.unit, nil
}

// loadSurvey reads a survey and its unit from the database.
func (s *Server) loadSurvey(ctx context.Context, slug string) (surveyWithUnit, error) {
	sv, err := s.store.FindSurveyBySlug(ctx, slug)
	if err != nil {
		return surveyWithUnit{survey: sv}, err
	}
	u, err := s.store.FindUnit(ctx, sv.UnitID)
	return surveyWithUnit{survey: sv, unit: u}, err
}

var errSurveyClosed = &domain.Error{Kind: domain.KindGone, Code: "survey_closed", Msg: "the survey is closed"}

// version is a template version with what each submission derives from
// it, derived once: a published version never changes.
type version struct {
	domain.TemplateVersion
	elementOf map[string]string // element question code → element id; read only
}

// templateVersion returns a template version; published versions are
// immutable, so they are kept in memory after the first read.
func (s *Server) templateVersion(ctx context.Context, id string) (version, error) {
	s.versionsMu.RLock()
	v, ok := s.versions[id]
	s.versionsMu.RUnlock()
	if ok {
		return v, nil
	}
	tv, err := s.store.FindTemplateVersion(ctx, id)
	if err != nil {
		return version{}, err
	}
	v = version{TemplateVersion: tv, elementOf: map[string]string{}}
	for _, q := range tv.ElementQuestions() {
		v.elementOf[q.Code] = q.Element
	}
	if tv.Published() {
		s.versionsMu.Lock()
		s.versions[id] = v
		s.versionsMu.Unlock()
	}
	return v, nil
}

// publicForm serves GET /api/v1/public/surveys/{slug}: what the citizen's
// page needs to show the form.
func (s *Server) publicForm(c echo.Context) error {
	ctx := c.Request().Context()
	sv, unit, err := s.publicSurvey(ctx, c.Param("slug"))
	if err != nil {
		return err
	}
	if !sv.OpenOn(survey.DayOf(s.now(), unit.TimeZone)) {
		return errSurveyClosed
	}
	v, err := s.templateVersion(ctx, sv.TemplateVersionID)
	if err != nil {
		return err
	}
	subtree, err := s.store.FindSubtree(ctx, unit.Path)
	if err != nil {
		return err
	}
	out := publicFormJSON{
		Survey:    publicSurveyJSON{ID: sv.ID, Title: sv.Title, StartsOn: sv.StartsOn, EndsOn: sv.EndsOn},
		Unit:      publicUnitJSON{ID: unit.ID, Name: unit.Name},
		Units:     []publicUnitJSON{},
		Services:  []publicServiceJSON{},
		Questions: v.Questions,
	}
	ids := make([]string, 0, len(subtree))
	for _, u := range subtree {
		ids = append(ids, u.ID)
		if u.ID != unit.ID {
			out.Units = append(out.Units, publicUnitJSON{ID: u.ID, Name: u.Name, ParentID: u.ParentID})
		}
	}
	svcs, err := s.store.FindServices(ctx, ids...)
	if err != nil {
		return err
	}
	for _, svc := range svcs {
		out.Services = append(out.Services, publicServiceJSON{ID: svc.ID, Name: svc.Name, UnitID: svc.UnitID})
	}
	if out.Questions == nil {
		out.Questions = []domain.Question{}
	}
	c.Response().Header().Set("Cache-Control", "no-cache")
	return writeJSON(c, http.StatusOK, out)
}

// submitResponse serves POST /api/v1/public/surveys/{slug}/responses:
// check everything, report every bad field at once, then hand the answer
// to the group-commit writer and answer when it is durable. The same
// client_id again answers 200 with the first receipt.
func (s *Server) submitResponse(c echo.Context) error {
	var in submitRequest
	if err := s.decodeWith(c, &in, tolerant, maxBody); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(c.Request().Context(), s.opts.SubmitTimeout)
	defer cancel()
	err := s.acceptResponse(ctx, c, &in)
	// A refused answer may be a replay: the phone may retry after the
	// survey closed or its rules changed, and gets its first receipt rather
	// than an error it would retry forever. An accepted replay needs no
	// lookup here: the writer answers it with the first receipt.
	switch domain.KindOf(err) {
	case domain.KindInvalid, domain.KindGone, domain.KindNotFound:
		if domain.IsUUID(in.ClientID) {
			if e, serr := s.public.surveys.get(ctx, time.Now(), c.Param("slug"), s.loadSurvey); serr == nil {
				first, ferr := s.store.FindResponseByClientID(ctx, e.survey.InstitutionID, strings.ToLower(in.ClientID))
				if ferr == nil && first.SurveyID == e.survey.ID {
					s.metrics.replays.Add(1)
					return writeReceipt(c, http.StatusOK, receiptJSON{ID: first.ID, Receipt: first.Receipt})
				}
			}
		}
	}
	return err
}

// acceptResponse checks a submission, hands it to the writer and answers
// once it is durable; a refusal is returned for submitResponse to answer.
func (s *Server) acceptResponse(ctx context.Context, c echo.Context, in *submitRequest) error {
	sv, unit, err := s.publicSurvey(ctx, c.Param("slug"))
	if err != nil {
		return err
	}
	v, err := s.templateVersion(ctx, sv.TemplateVersionID)
	if err != nil {
		return err
	}
	var fields []domain.FieldError

	// The unit answered for: the survey's own, or one below it ("no wrong door").
	target := unit
	if id := strings.TrimSpace(in.UnitID); id != "" && id != unit.ID {
		u, err := s.public.units.get(ctx, time.Now(), id, s.store.FindUnit)
		switch {
		case domain.KindOf(err) == domain.KindNotFound || (err == nil && !unit.Contains(u)):
			fields = append(fields, domain.Field("unit_id", "not_found"))
		case err != nil:
			return err
		default:
			target = u
		}
	}
	var serviceID *string
	if id := strings.TrimSpace(in.ServiceID); id != "" {
		svc, err := s.public.services.get(ctx, time.Now(), id, s.store.FindService)
		switch {
		case domain.KindOf(err) == domain.KindNotFound:
			fields = append(fields, domain.Field("service_id", "not_found"))
		case err != nil:
			return err
		case svc.UnitID != target.ID:
			fields = append(fields, domain.Field("service_id", "not_in_unit"))
		default:
			serviceID = &svc.ID
		}
	}

	// When the citizen answered: a phone that was offline sends the time it
	// was filled in; the server bounds it and counts the answer on that day.
	now := s.now()
	captured := now
	if in.CapturedAt != "" {
		t, err := time.Parse(time.RFC3339, in.CapturedAt)
		switch {
		case err != nil:
			fields = append(fields, domain.Field("captured_at", "datetime"))
		case t.After(now.Add(clockSkew)):
			fields = append(fields, domain.Field("captured_at", "in_future"))
		case t.After(now):
			captured = now // within the clock skew of a phone
		case survey.DayOf(t, target.TimeZone) < sv.StartsOn:
			fields = append(fields, domain.Field("captured_at", "before_start"))
		case now.Sub(t) > time.Duration(lateDays(sv))*24*time.Hour:
			fields = append(fields, domain.FieldError{Field: "captured_at", Code: "too_old", Args: map[string]any{"days": lateDays(sv)}})
		default:
			captured = t
		}
	}

	answers, profile, err := v.CheckAnswers(domain.Submission{ClientID: in.ClientID, UnitID: target.ID,
		ServiceID: in.ServiceID, Profile: in.Profile, Answers: in.Answers, Comment: in.Comment})
	if err != nil {
		if domain.KindOf(err) != domain.KindInvalid {
			return err
		}
		fields = append(fields, domain.FieldErrors(err)...)
	}
	if len(fields) > 0 {
		domain.SortFields(fields)
		return domain.Invalid(fields...)
	}
	day := survey.DayOf(captured, target.TimeZone)
	if !sv.OpenOn(day) {
		return errSurveyClosed
	}

	burstKey := s.limits.bursts.key(c.RealIP(), sv.ID, answers)
	resp, created, err := s.store.Submit(ctx, &store.Submission{
		Response: domain.Response{ClientID: strings.ToLower(in.ClientID), SurveyID: sv.ID, UnitID: target.ID,
			InstitutionID: target.InstitutionID, ServiceID: serviceID, TemplateVersionID: v.ID, Day: day,
			CapturedAt: captured.UTC(), Answers: answers, Profile: profile, Comment: strings.TrimSpace(in.Comment),
			Suspicious: s.limits.bursts.suspicious(burstKey, now)},
		UnitPath:  target.Path,
		ElementOf: v.elementOf,
	})
	if err != nil {
		return err
	}
	if created {
		// The burst's earlier members are flagged once it is reached; a
		// failure here leaves them unflagged, which is no reason to fail
		// the citizen's stored answer.
		if earlier := s.limits.bursts.add(burstKey, resp.ID, now); len(earlier) > 0 {
			if err := s.store.MarkSuspicious(ctx, earlier); err != nil {
				s.log.Warn("flag suspicious burst", "err", err)
			}
		}
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
		s.metrics.responses.Add(1)
	} else {
		s.metrics.replays.Add(1)
	}
	return writeReceipt(c, status, receiptJSON{ID: resp.ID, Receipt: resp.Receipt})
}

func lateDays(sv domain.Survey) int {
	if sv.LateDays > 0 {
		return sv.LateDays
	}
	return domain.DefaultLateDays
}
