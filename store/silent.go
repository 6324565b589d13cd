package store

import (
	"context"

	"suara/domain"
)

// SurveysOfUnits returns the surveys whose unit is one of ids.
func (s *Store) SurveysOfUnits(ctx context.Context, ids []string) ([]domain.Survey, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	var rows []surveyRow
	if err := s.db.WithContext(ctx).Where("unit_id IN ?", ids).Order("id").Find(&rows).Error; err != nil {
		return nil, translate(err, "surveys")
	}
	return mapRows(rows, surveyRow.domain), nil
}
