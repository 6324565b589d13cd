package store

import (
	"context"

	"suara/domain"
)

// CreateService adds a service to a unit.
func (s *Store) CreateService(ctx context.Context, svc *domain.Service) error {
	unit, err := s.FindUnit(ctx, svc.UnitID)
	if err != nil {
		return err
	}
	r := serviceRow{ID: newID(), UnitID: unit.ID, InstitutionID: unit.InstitutionID, Name: svc.Name, Code: svc.Code}
	if err := s.db.WithContext(ctx).Create(&r).Error; err != nil {
		return codeConflict(translate(err, "service"))
	}
	*svc = r.domain()
	return nil
}

// FindServices returns the services of the given units, ordered by name.
func (s *Store) FindServices(ctx context.Context, unitIDs ...string) ([]domain.Service, error) {
	var rows []serviceRow
	if len(unitIDs) == 0 {
		return nil, nil
	}
	if err := s.db.WithContext(ctx).Where("unit_id IN ?", unitIDs).Order("name, id").Find(&rows).Error; err != nil {
		return nil, translate(err, "services")
	}
	return mapRows(rows, serviceRow.domain), nil
}

// FindService returns the service with the given id.
func (s *Store) FindService(ctx context.Context, id string) (domain.Service, error) {
	var r serviceRow
	if !domain.IsUUID(id) {
		return domain.Service{}, domain.NotFound("service")
	}
	if err := s.db.WithContext(ctx).Take(&r, "id = ?", id).Error; err != nil {
		return domain.Service{}, translate(err, "service")
	}
	return r.domain(), nil
}
