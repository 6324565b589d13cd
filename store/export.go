package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"

	"suara/domain"
)

// ExportQuery selects the responses an export or a processing sheet reads.
type ExportQuery struct {
	// InstitutionID is the tree the responses belong to (the distribution
	// column: every query names it, docs/scaling.md).
	InstitutionID string
	SurveyID      string // one survey, if set
	UnitPath      string // the unit and its subtree, if set
	From, To      string // YYYY-MM-DD, inclusive, if set
	// CountedOnly leaves out excluded responses: what the index counts.
	CountedOnly bool
}

// defaultExportBatch is how many responses EachResponse hands over at a
// time (Store.exportBatch; tests make it small).
const defaultExportBatch = 2000

// EachResponse calls fn with the selected responses and their answers,
// 2,000 at a time, in the order of idx_responses_survey (received,
// then id) so that a survey's export needs no sort. The answers come from
// each row's answer list, so an export reads one table. Memory stays flat
// however many responses there are: on PostgreSQL the query runs as a
// cursor in a read-only REPEATABLE READ transaction (one consistent
// snapshot; each FETCH is its own statement, so the statement timeout
// bounds a batch, not the whole export); on SQLite, which has no cursors,
// the rows are read as they come. Either way the next batch is read while
// fn handles one (prefetch). The slice passed to fn is reused: fn must not
// keep it.
func (s *Store) EachResponse(ctx context.Context, q ExportQuery, fn func([]domain.Response) error) error {
	where := []string{"r.institution_id = ?"}
	args := []any{q.InstitutionID}
	from := "responses r"
	if q.UnitPath != "" {
		from += " JOIN units u ON u.id = r.unit_id AND u.institution_id = r.institution_id"
		where = append(where, "u.path LIKE ?")
		args = append(args, likePrefix(q.UnitPath))
	}
	if q.SurveyID != "" {
		where = append(where, "r.survey_id = ?")
		args = append(args, q.SurveyID)
	}
	if q.From != "" {
		where = append(where, "r.day >= ?")
		args = append(args, q.From)
	}
	if q.To != "" {
		where = append(where, "r.day <= ?")
		args = append(args, q.To)
	}
	if q.CountedOnly {
		where = append(where, "r.excluded = ?")
		args = append(args, false)
	}
	cols := "r.id, r.unit_id, r.service_id, r.template_version_id, r.day, r.captured_at, r.received_at, " +
		"r.profile, r.comment, r.suspicious, r.excluded, " + answerListSQL(s.dialect, "r")
	query := "SELECT " + cols + " FROM " + from + " WHERE " + strings.Join(where, " AND ") + " ORDER BY r.received_at, r.id"
	if s.dialect != Postgres {
		rows, err := s.db.WithContext(ctx).Raw(query, args...).Rows()
		if err != nil {
			return translate(err, "responses")
		}
		defer rows.Close()
		return prefetch(func(batch *[]domain.Response) (bool, error) {
			n, err := scanResponses(rows, batch, s.exportBatch)
			return n == s.exportBatch, err
		}, s.exportBatch, fn)
	}
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Exec("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY").Error; err != nil {
			return translate(err, "responses")
		}
		if err := tx.Exec("DECLARE suara_export NO SCROLL CURSOR FOR "+query, args...).Error; err != nil {
			return translate(err, "responses")
		}
		return prefetch(func(batch *[]domain.Response) (bool, error) {
			rows, err := tx.Raw("FETCH " + strconv.Itoa(s.exportBatch) + " FROM suara_export").Rows()
			if err != nil {
				return false, translate(err, "responses")
			}
			n, err := scanResponses(rows, batch, s.exportBatch)
			rows.Close()
			return n == s.exportBatch, err
		}, s.exportBatch, fn)
	})
}

// prefetch calls fn with the batches fetch reads, fetching the next batch
// in a goroutine while fn handles one: the database and the encoding of an
// export then overlap. fetch appends to the batch it is given and says
// whether more may follow. Two batches take turns, so memory stays flat.
// It returns once fetch has ended, so the caller's transaction may end.
func prefetch(fetch func(batch *[]domain.Response) (more bool, err error), size int, fn func([]domain.Response) error) error {
	type fetched struct {
		batch *[]domain.Response
		more  bool
		err   error
	}
	free := make(chan *[]domain.Response, 2)
	for range 2 {
		b := make([]domain.Response, 0, size)
		free <- &b
	}
	full := make(chan fetched)
	stop := make(chan struct{})
	go func() {
		defer close(full)
		// A panic here would end the whole server, not only this export:
		// it becomes the export's error, as a handler's panic does.
		defer func() {
			if p := recover(); p != nil {
				select {
				case full <- fetched{err: fmt.Errorf("export: panic while reading: %v\n%s", p, debug.Stack())}:
				case <-stop:
				}
			}
		}()
		for {
			var b *[]domain.Response
			select {
			case b = <-free:
			case <-stop:
				return
			}
			*b = (*b)[:0]
			more, err := fetch(b)
			select {
			case full <- fetched{b, more, err}:
			case <-stop:
				return
			}
			if err != nil || !more {
				return
			}
		}
	}()
	defer func() {
		close(stop)
		for range full { // wait until fetch has returned
		}
	}()
	for f := range full {
		if f.err != nil {
			return f.err
		}
		if len(*f.batch) > 0 {
			if err := fn(*f.batch); err != nil {
				return err
			}
		}
		if !f.more {
			return nil
		}
		free <- f.batch
	}
	return nil
}

// scanResponses reads up to limit rows of EachResponse's query.
func scanResponses(rows *sql.Rows, out *[]domain.Response, limit int) (int, error) {
	n := 0
	for n < limit && rows.Next() {
		// Reuse the maps of the row this slot held in an earlier batch:
		// an export makes no garbage per row for them.
		var r domain.Response
		if len(*out) < cap(*out) {
			old := (*out)[:len(*out)+1][len(*out)]
			r.Answers, r.Profile = old.Answers, old.Profile
			clear(r.Answers)
			clear(r.Profile)
		}
		var service sql.NullString
		var profile, answers string
		var captured, received time.Time
		if err := rows.Scan(&r.ID, &r.UnitID, &service, &r.TemplateVersionID, &r.Day, &captured, &received,
			&profile, &r.Comment, &r.Suspicious, &r.Excluded, &answers); err != nil {
			return n, translate(err, "responses")
		}
		if service.Valid && service.String != "" {
			v := service.String
			r.ServiceID = &v
		}
		r.CapturedAt, r.ReceivedAt = captured.UTC(), received.UTC()
		r.Profile = parseProfile(profile, r.Profile)
		if r.Answers == nil {
			r.Answers = make(map[string]int, 9)
		}
		parseAnswers(answers, r.Answers)
		*out = append(*out, r)
		n++
	}
	return n, translate(rows.Err(), "responses")
}

// parseProfile reads the stored profile, a flat JSON object of strings,
// into m (an empty map to reuse, or nil) and returns it. The common shape
// ({"gender":"female","age":"34"}, no escapes) is split by hand, which
// costs a tenth of encoding/json on a big export; anything else goes to
// encoding/json.
func parseProfile(s string, m map[string]string) map[string]string {
	if s == "" || s == "{}" {
		return m
	}
	if strings.ContainsAny(s, "\\\n") || len(s) < 2 || s[0] != '{' || s[len(s)-1] != '}' {
		return profileJSON(s)
	}
	if m == nil {
		m = make(map[string]string, 4)
	}
	rest := s[1 : len(s)-1]
	for rest != "" {
		// "key":"value"
		if rest[0] != '"' {
			return profileJSON(s)
		}
		k, after, ok := strings.Cut(rest[1:], `"`)
		if !ok || len(after) < 3 || after[0] != ':' || after[1] != '"' {
			return profileJSON(s)
		}
		v, after2, ok := strings.Cut(after[2:], `"`)
		if !ok {
			return profileJSON(s)
		}
		m[k] = v
		rest = after2
		if rest == "" {
			break
		}
		if rest[0] != ',' {
			return profileJSON(s)
		}
		rest = rest[1:]
	}
	return m
}

func profileJSON(s string) map[string]string {
	var m map[string]string
	_ = json.Unmarshal([]byte(s), &m)
	return m
}
