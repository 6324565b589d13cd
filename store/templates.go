package store

import (
	"context"
	"fmt"

	"suara/domain"
)

// FindTemplates returns every template, the built-in one first.
func (s *Store) FindTemplates(ctx context.Context) ([]domain.Template, error) {
	var rows []templateRow
	if err := s.db.WithContext(ctx).Order("built_in DESC, name, id").Find(&rows).Error; err != nil {
		return nil, translate(err, "templates")
	}
	return mapRows(rows, templateRow.domain), nil
}

// FindTemplate returns a template and its versions, newest first.
func (s *Store) FindTemplate(ctx context.Context, id string) (domain.Template, []domain.TemplateVersion, error) {
	var r templateRow
	if !domain.IsUUID(id) {
		return domain.Template{}, nil, domain.NotFound("template")
	}
	if err := s.db.WithContext(ctx).Take(&r, "id = ?", id).Error; err != nil {
		return domain.Template{}, nil, translate(err, "template")
	}
	var rows []templateVersionRow
	if err := s.db.WithContext(ctx).Where("template_id = ?", id).Order("number DESC").Find(&rows).Error; err != nil {
		return domain.Template{}, nil, translate(err, "template versions")
	}
	versions := make([]domain.TemplateVersion, 0, len(rows))
	for _, vr := range rows {
		v, err := vr.domain()
		if err != nil {
			return domain.Template{}, nil, err
		}
		versions = append(versions, v)
	}
	return r.domain(), versions, nil
}

// CreateTemplate stores a new template with its first version as a draft.
func (s *Store) CreateTemplate(ctx context.Context, t *domain.Template, questions []domain.Question) (domain.TemplateVersion, error) {
	if err := domain.CheckQuestions(questions); err != nil {
		return domain.TemplateVersion{}, err
	}
	var v domain.TemplateVersion
	err := s.InTx(ctx, func(tx *Store) error {
		r := templateRow{ID: newID(), Code: t.Code, Name: t.Name}
		vr := templateVersionRow{ID: newID(), TemplateID: r.ID, Number: 1, Status: domain.VersionDraft, Questions: mustJSON(questions)}
		r.LatestVersionID = vr.ID
		if err := tx.db.Create(&r).Error; err != nil {
			return codeConflict(translate(err, "template"))
		}
		if err := tx.db.Create(&vr).Error; err != nil {
			return translate(err, "template version")
		}
		*t = r.domain()
		var err error
		v, err = vr.domain()
		return err
	})
	return v, err
}

// CreateTemplateVersion adds a new draft version to a template. Published
// versions never change; editing a questionnaire always makes a version.
func (s *Store) CreateTemplateVersion(ctx context.Context, templateID string, questions []domain.Question) (domain.TemplateVersion, error) {
	if err := domain.CheckQuestions(questions); err != nil {
		return domain.TemplateVersion{}, err
	}
	var v domain.TemplateVersion
	err := s.InTx(ctx, func(tx *Store) error {
		var t templateRow
		if err := tx.db.Take(&t, "id = ?", templateID).Error; err != nil {
			return translate(err, "template")
		}
		var last int
		if err := tx.db.Model(&templateVersionRow{}).Where("template_id = ?", templateID).
			Select("COALESCE(MAX(number), 0)").Scan(&last).Error; err != nil {
			return translate(err, "template version")
		}
		vr := templateVersionRow{ID: newID(), TemplateID: templateID, Number: last + 1, Status: domain.VersionDraft, Questions: mustJSON(questions)}
		if err := tx.db.Create(&vr).Error; err != nil {
			return translate(err, "template version")
		}
		if err := tx.db.Model(&templateRow{}).Where("id = ?", templateID).Update("latest_version_id", vr.ID).Error; err != nil {
			return translate(err, "template")
		}
		var err error
		v, err = vr.domain()
		return err
	})
	return v, err
}

// FindTemplateVersion returns one template version.
func (s *Store) FindTemplateVersion(ctx context.Context, id string) (domain.TemplateVersion, error) {
	var r templateVersionRow
	if !domain.IsUUID(id) {
		return domain.TemplateVersion{}, domain.NotFound("template version")
	}
	if err := s.db.WithContext(ctx).Take(&r, "id = ?", id).Error; err != nil {
		return domain.TemplateVersion{}, translate(err, "template version")
	}
	return r.domain()
}

// FindTemplateVersions returns every template version (a few per
// questionnaire), so that a long read can look them up without a query.
func (s *Store) FindTemplateVersions(ctx context.Context) ([]domain.TemplateVersion, error) {
	var rows []templateVersionRow
	if err := s.db.WithContext(ctx).Order("id").Find(&rows).Error; err != nil {
		return nil, translate(err, "template versions")
	}
	out := make([]domain.TemplateVersion, len(rows))
	for i, r := range rows {
		v, err := r.domain()
		if err != nil {
			return nil, fmt.Errorf("template version %s: %w", r.ID, err)
		}
		out[i] = v
	}
	return out, nil
}

// PublishTemplateVersion freezes a draft version so surveys can use it.
func (s *Store) PublishTemplateVersion(ctx context.Context, id string) (domain.TemplateVersion, error) {
	now := s.now()
	res := s.db.WithContext(ctx).Model(&templateVersionRow{}).
		Where("id = ? AND status = ?", id, domain.VersionDraft).
		Updates(map[string]any{"status": domain.VersionPublished, "published_at": now})
	if res.Error != nil {
		return domain.TemplateVersion{}, translate(res.Error, "template version")
	}
	v, err := s.FindTemplateVersion(ctx, id)
	if err != nil {
		return v, err
	}
	if res.RowsAffected == 0 {
		return v, domain.Errorf(domain.KindConflict, "already_published", "template version %s is already published", id)
	}
	return v, nil
}
