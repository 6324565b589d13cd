package store

import (
	"context"
	"encoding/json"
	"time"

	"suara/domain"
)

type publicationRow struct {
	ID            string
	UnitID        string
	InstitutionID string
	PeriodFrom    string
	PeriodTo      string
	PublishedAt   time.Time
	PublishedBy   string
	Snapshot      string
}

func (publicationRow) TableName() string { return "publications" }

func (r publicationRow) domain() domain.Publication {
	return domain.Publication{ID: r.ID, UnitID: r.UnitID, InstitutionID: r.InstitutionID, From: r.PeriodFrom, To: r.PeriodTo,
		PublishedAt: r.PublishedAt, PublishedBy: r.PublishedBy, Snapshot: json.RawMessage(r.Snapshot)}
}

// ErrPeriodPublished is the conflict of publishing a unit's period twice.
var ErrPeriodPublished = &domain.Error{Kind: domain.KindConflict, Code: "period_published", Msg: "the period is already published for this unit"}

// CreatePublication stores a published result. A unit publishes a period
// once: a second time is ErrPeriodPublished, also under a race (the
// unique index decides).
func (s *Store) CreatePublication(ctx context.Context, p *domain.Publication) error {
	var n int64
	err := s.db.WithContext(ctx).Model(&publicationRow{}).
		Where("unit_id = ? AND period_from = ? AND period_to = ?", p.UnitID, p.From, p.To).Count(&n).Error
	if err != nil {
		return translate(err, "publication")
	}
	if n > 0 {
		return ErrPeriodPublished
	}
	r := publicationRow{ID: newID(), UnitID: p.UnitID, InstitutionID: p.InstitutionID, PeriodFrom: p.From, PeriodTo: p.To,
		PublishedAt: s.now(), PublishedBy: p.PublishedBy, Snapshot: string(p.Snapshot)}
	if err := s.db.WithContext(ctx).Create(&r).Error; err != nil {
		err = translate(err, "publication")
		if domain.KindOf(err) == domain.KindConflict {
			return ErrPeriodPublished
		}
		return err
	}
	*p = r.domain()
	return nil
}

// FindPublications returns a unit's publications, the latest first.
func (s *Store) FindPublications(ctx context.Context, unitID string) ([]domain.Publication, error) {
	var rows []publicationRow
	if err := s.db.WithContext(ctx).Where("unit_id = ?", unitID).Order("published_at DESC, id DESC").Find(&rows).Error; err != nil {
		return nil, translate(err, "publications")
	}
	return mapRows(rows, publicationRow.domain), nil
}

// FindPublication returns one publication.
func (s *Store) FindPublication(ctx context.Context, id string) (domain.Publication, error) {
	var r publicationRow
	if !domain.IsUUID(id) {
		return domain.Publication{}, domain.NotFound("publication")
	}
	if err := s.db.WithContext(ctx).Take(&r, "id = ?", id).Error; err != nil {
		return domain.Publication{}, translate(err, "publication")
	}
	return r.domain(), nil
}

// CountLateResponses counts the responses of a unit's subtree whose day is
// within from..to but that were stored after a moment (a publication):
// answers queued offline, or sent while the period was still open.
func (s *Store) CountLateResponses(ctx context.Context, unit domain.Unit, from, to string, after time.Time) (int64, error) {
	var n int64
	err := s.db.WithContext(ctx).Model(&responseRow{}).
		Joins("JOIN units ON units.id = responses.unit_id").
		Where("units.path LIKE ? AND responses.day BETWEEN ? AND ? AND responses.received_at > ? AND responses.excluded = ?",
			likePrefix(unit.Path), from, to, after.UTC(), false).
		Count(&n).Error
	return n, translate(err, "responses")
}
