package store

import (
	"context"
	"crypto/rand"
	"strings"

	"suara/domain"
)

// CreateSurvey stores a survey period for a unit with a published template
// version, and gives it a fresh public slug.
func (s *Store) CreateSurvey(ctx context.Context, sv *domain.Survey) error {
	unit, err := s.FindUnit(ctx, sv.UnitID)
	if domain.KindOf(err) == domain.KindNotFound {
		return domain.Invalid(domain.Field("unit_id", "not_found"))
	} else if err != nil {
		return err
	}
	v, err := s.FindTemplateVersion(ctx, sv.TemplateVersionID)
	if domain.KindOf(err) == domain.KindNotFound {
		return domain.Invalid(domain.Field("template_version_id", "not_found"))
	} else if err != nil {
		return err
	}
	if !v.Published() {
		return domain.Invalid(domain.Field("template_version_id", "not_published"))
	}
	if sv.LateDays == 0 {
		sv.LateDays = domain.DefaultLateDays
	}
	r := surveyRow{ID: newID(), UnitID: unit.ID, InstitutionID: unit.InstitutionID, TemplateVersionID: v.ID,
		Title: sv.Title, StartsOn: sv.StartsOn, EndsOn: sv.EndsOn, Population: sv.Population, LateDays: sv.LateDays}
	for range 5 { // a slug collision is astronomically rare; retry a few times anyway
		r.Slug = newSlug()
		err = s.db.WithContext(ctx).Create(&r).Error
		if err == nil {
			*sv = r.domain()
			return nil
		}
		if terr := translate(err, "survey"); domain.KindOf(terr) != domain.KindConflict {
			return terr
		}
	}
	return translate(err, "survey")
}

// newSlug returns 10 characters that are easy to read aloud and type from
// a poster: no 0/o, 1/l/i.
func newSlug() string {
	const alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
	b := make([]byte, 10)
	_, _ = rand.Read(b)
	var sb strings.Builder
	for _, c := range b {
		sb.WriteByte(alphabet[int(c)%len(alphabet)])
	}
	return sb.String()
}

// FindSurvey returns the survey with the given id.
func (s *Store) FindSurvey(ctx context.Context, id string) (domain.Survey, error) {
	var r surveyRow
	if !domain.IsUUID(id) {
		return domain.Survey{}, domain.NotFound("survey")
	}
	if err := s.db.WithContext(ctx).Take(&r, "id = ?", id).Error; err != nil {
		return domain.Survey{}, translate(err, "survey")
	}
	return r.domain(), nil
}

// FindSurveyBySlug returns the survey with the given public slug.
func (s *Store) FindSurveyBySlug(ctx context.Context, slug string) (domain.Survey, error) {
	var r surveyRow
	if err := s.db.WithContext(ctx).Take(&r, "slug = ?", slug).Error; err != nil {
		return domain.Survey{}, translate(err, "survey")
	}
	return r.domain(), nil
}

// FindSurveys returns the surveys of units in scope (optionally of one
// unit's subtree), newest first.
func (s *Store) FindSurveys(ctx context.Context, scope domain.Scope, unitPath string, page domain.Page) ([]domain.Survey, string, error) {
	q := s.db.WithContext(ctx).Model(&surveyRow{}).Joins("JOIN units ON units.id = surveys.unit_id")
	q, ok := scoped(q, "units.path", scope)
	if !ok {
		return nil, "", nil
	}
	if unitPath != "" {
		q = q.Where("units.path LIKE ?", likePrefix(unitPath))
	}
	if page.Cursor != "" {
		q = q.Where("surveys.id < ?", page.Cursor)
	}
	var rows []surveyRow
	if err := q.Select("surveys.*").Order("surveys.id DESC").Limit(page.Limit + 1).Find(&rows).Error; err != nil {
		return nil, "", translate(err, "surveys")
	}
	rows, next := cut(rows, page.Limit, func(r surveyRow) string { return r.ID })
	return mapRows(rows, surveyRow.domain), next, nil
}

// SurveyPopulation returns the service users of the surveys of a unit's
// subtree whose dates overlap from..to, summed: the population a subtree's
// sample is checked against.
func (s *Store) SurveyPopulation(ctx context.Context, unitPath, from, to string) (int64, error) {
	var n int64
	err := s.db.WithContext(ctx).Model(&surveyRow{}).Joins("JOIN units ON units.id = surveys.unit_id").
		Where("units.path LIKE ? AND surveys.starts_on <= ? AND surveys.ends_on >= ?", likePrefix(unitPath), to, from).
		Select("COALESCE(SUM(surveys.population), 0)").Scan(&n).Error
	return n, translate(err, "surveys")
}

// UpdateSurvey changes the fields that upd sets.
func (s *Store) UpdateSurvey(ctx context.Context, id string, upd domain.SurveyUpdate) (domain.Survey, error) {
	set := map[string]any{"updated_at": s.now()}
	if upd.Title != nil {
		set["title"] = *upd.Title
	}
	if upd.StartsOn != nil {
		set["starts_on"] = *upd.StartsOn
	}
	if upd.EndsOn != nil {
		set["ends_on"] = *upd.EndsOn
	}
	if upd.Population != nil {
		set["population"] = *upd.Population
	}
	if upd.LateDays != nil {
		set["late_days"] = *upd.LateDays
	}
	if upd.Closed != nil {
		set["closed"] = *upd.Closed
	}
	res := s.db.WithContext(ctx).Model(&surveyRow{}).Where("id = ?", id).Updates(set)
	if res.Error != nil {
		return domain.Survey{}, translate(res.Error, "survey")
	}
	if res.RowsAffected == 0 {
		return domain.Survey{}, domain.NotFound("survey")
	}
	return s.FindSurvey(ctx, id)
}

// cut trims a page fetched with limit+1 rows and returns the next cursor.
func cut[R any](rows []R, limit int, key func(R) string) ([]R, string) {
	if limit <= 0 || len(rows) <= limit {
		return rows, ""
	}
	rows = rows[:limit]
	return rows, key(rows[limit-1])
}
