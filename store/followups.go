package store

import (
	"context"

	"suara/domain"
)

// CreateFollowUp stores a follow-up action of a unit.
func (s *Store) CreateFollowUp(ctx context.Context, f *domain.FollowUp) error {
	unit, err := s.FindUnit(ctx, f.UnitID)
	if err != nil {
		return err
	}
	if f.Status == "" {
		f.Status = domain.FollowUpPlanned
	}
	r := followUpRow{ID: newID(), UnitID: unit.ID, InstitutionID: unit.InstitutionID, Element: f.Element,
		Activity: f.Activity, Owner: f.Owner, Due: f.Due, Status: f.Status, Result: f.Result}
	if err := s.db.WithContext(ctx).Create(&r).Error; err != nil {
		return translate(err, "follow-up")
	}
	*f = r.domain()
	return nil
}

// FindFollowUps returns the follow-ups of a unit, by due date.
func (s *Store) FindFollowUps(ctx context.Context, unitID string) ([]domain.FollowUp, error) {
	var rows []followUpRow
	if err := s.db.WithContext(ctx).Where("unit_id = ?", unitID).Order("due, id").Find(&rows).Error; err != nil {
		return nil, translate(err, "follow-ups")
	}
	return mapRows(rows, followUpRow.domain), nil
}

// FindFollowUp returns one follow-up.
func (s *Store) FindFollowUp(ctx context.Context, id string) (domain.FollowUp, error) {
	var r followUpRow
	if !domain.IsUUID(id) {
		return domain.FollowUp{}, domain.NotFound("follow-up")
	}
	if err := s.db.WithContext(ctx).Take(&r, "id = ?", id).Error; err != nil {
		return domain.FollowUp{}, translate(err, "follow-up")
	}
	return r.domain(), nil
}

// UpdateFollowUp changes the fields that upd sets.
func (s *Store) UpdateFollowUp(ctx context.Context, id string, upd domain.FollowUpUpdate) (domain.FollowUp, error) {
	set := map[string]any{"updated_at": s.now()}
	for col, v := range map[string]*string{"activity": upd.Activity, "owner": upd.Owner, "due": upd.Due, "status": upd.Status, "result": upd.Result} {
		if v != nil {
			set[col] = *v
		}
	}
	res := s.db.WithContext(ctx).Model(&followUpRow{}).Where("id = ?", id).Updates(set)
	if res.Error != nil {
		return domain.FollowUp{}, translate(res.Error, "follow-up")
	}
	if res.RowsAffected == 0 {
		return domain.FollowUp{}, domain.NotFound("follow-up")
	}
	return s.FindFollowUp(ctx, id)
}
