package store

import (
	"context"
	"strings"
	"time"

	"gorm.io/gorm/clause"

	"suara/domain"
)

type commentStateRow struct {
	ResponseID    string
	InstitutionID string
	Status        string
	UpdatedAt     time.Time
	UpdatedBy     string
}

func (commentStateRow) TableName() string { return "comment_states" }

// minScoreSQL is the respondent's lowest element answer: the answers table
// holds element answers only.
const minScoreSQL = "(SELECT MIN(a.value) FROM answers a WHERE a.response_id = responses.id AND a.institution_id = responses.institution_id)"

// FindComments returns the comments of a unit's subtree, newest day
// first. The cursor is "day|id" of the last comment sent.
func (s *Store) FindComments(ctx context.Context, f domain.CommentFilter) ([]domain.Comment, string, error) {
	q := s.db.WithContext(ctx).Table("responses").
		Select("responses.id AS response_id, responses.survey_id, responses.unit_id, units.name AS unit_name, responses.day, "+
			"responses.received_at, responses.comment AS text, "+minScoreSQL+" AS min_score, COALESCE(cs.status, ?) AS status", domain.CommentNew).
		Joins("JOIN units ON units.id = responses.unit_id").
		Joins("LEFT JOIN comment_states cs ON cs.response_id = responses.id AND cs.institution_id = responses.institution_id").
		Where("units.path LIKE ? AND responses.comment <> ''", likePrefix(f.UnitPath))
	if f.From != "" {
		q = q.Where("responses.day >= ?", f.From)
	}
	if f.To != "" {
		q = q.Where("responses.day <= ?", f.To)
	}
	if f.Search != "" {
		q = q.Where("LOWER(responses.comment) LIKE ?", "%"+escapeLike(f.Search)+"%")
	}
	if f.Status != "" {
		q = q.Where("COALESCE(cs.status, ?) = ?", domain.CommentNew, f.Status)
	}
	if f.MaxScore > 0 {
		q = q.Where(minScoreSQL+" <= ?", f.MaxScore)
	}
	if day, id, ok := strings.Cut(f.Cursor, "|"); ok {
		q = q.Where("(responses.day < ? OR (responses.day = ? AND responses.id < ?))", day, day, id)
	}
	var rows []struct {
		ResponseID, SurveyID, UnitID, UnitName, Day, Text, Status string
		ReceivedAt                                                time.Time
		MinScore                                                  *int
	}
	if err := q.Order("responses.day DESC, responses.id DESC").Limit(f.Limit + 1).Scan(&rows).Error; err != nil {
		return nil, "", translate(err, "comments")
	}
	next := ""
	if len(rows) > f.Limit {
		rows = rows[:f.Limit]
		last := rows[len(rows)-1]
		next = last.Day + "|" + last.ResponseID
	}
	out := make([]domain.Comment, len(rows))
	for i, r := range rows {
		out[i] = domain.Comment{ResponseID: r.ResponseID, SurveyID: r.SurveyID, UnitID: r.UnitID, UnitName: r.UnitName,
			Day: r.Day, ReceivedAt: r.ReceivedAt, Text: r.Text, MinScore: r.MinScore, Status: r.Status}
	}
	return out, next, nil
}

// CommentStatus returns the state of a response's comment ("new" when
// nobody marked it).
func (s *Store) CommentStatus(ctx context.Context, responseID string) (string, error) {
	var rows []commentStateRow
	if err := s.db.WithContext(ctx).Where("response_id = ?", responseID).Limit(1).Find(&rows).Error; err != nil {
		return "", translate(err, "comment state")
	}
	if len(rows) == 0 {
		return domain.CommentNew, nil
	}
	return rows[0].Status, nil
}

// SetCommentStatus records the state a user gave a response's comment.
func (s *Store) SetCommentStatus(ctx context.Context, r domain.Response, status, userID string) error {
	row := commentStateRow{ResponseID: r.ID, InstitutionID: r.InstitutionID, Status: status, UpdatedAt: s.now(), UpdatedBy: userID}
	err := s.db.WithContext(ctx).Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "response_id"}, {Name: "institution_id"}},
		DoUpdates: clause.AssignmentColumns([]string{"status", "updated_at", "updated_by"}),
	}).Create(&row).Error
	return translate(err, "comment state")
}
