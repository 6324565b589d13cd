package store

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"suara/domain"
)

func responseRowOf(r *domain.Response) responseRow {
	return responseRow{ID: r.ID, InstitutionID: r.InstitutionID, ClientID: r.ClientID, SurveyID: r.SurveyID,
		UnitID: r.UnitID, ServiceID: r.ServiceID, TemplateVersionID: r.TemplateVersionID, Day: r.Day,
		CapturedAt: r.CapturedAt.UTC(), ReceivedAt: r.ReceivedAt.UTC(), Profile: mustJSON(nonNilMap(r.Profile)), Comment: r.Comment,
		Receipt: r.Receipt, Suspicious: r.Suspicious, Excluded: r.Excluded, AnswerList: formatAnswers(r.Answers)}
}

// formatAnswers writes answers as a response row's answer list,
// "U1:4,U2:3,…" in the order of the codes' bytes. It allocates the string
// only: a questionnaire's dozen codes are sorted on the stack.
func formatAnswers(answers map[string]int) string {
	var buf [16]string
	codes := buf[:0]
	n := 0
	for code := range answers {
		codes = append(codes, code)
		n += len(code) + 3
	}
	slices.Sort(codes)
	var sb strings.Builder
	sb.Grow(n)
	for i, code := range codes {
		if i > 0 {
			sb.WriteByte(',')
		}
		sb.WriteString(code)
		sb.WriteByte(':')
		sb.WriteString(strconv.Itoa(answers[code]))
	}
	return sb.String()
}

// parseAnswers reads an answer list ("U1:4,U2:3,…") into m.
func parseAnswers(s string, m map[string]int) {
	for pair := range strings.SplitSeq(s, ",") {
		code, v, ok := strings.Cut(pair, ":")
		if !ok {
			continue
		}
		if x, err := strconv.Atoi(v); err == nil {
			m[code] = x
		}
	}
}

// answerListSQL is the answer list of the response row named alias: its
// answer_list, or for a row written before the column existed (NULL) its
// answers aggregated, in the order of the codes' bytes, as formatAnswers
// writes them.
func answerListSQL(dialect, alias string) string {
	of := "a.institution_id = " + alias + ".institution_id AND a.response_id = " + alias + ".id"
	agg := "(SELECT string_agg(a.question_code || ':' || a.value, ',' ORDER BY a.question_code COLLATE \"C\") FROM answers a WHERE " + of + ")"
	if dialect != Postgres {
		// group_concat takes no ORDER BY before SQLite 3.44: an ordered
		// subquery hands it the rows in order.
		agg = "(SELECT group_concat(x.question_code || ':' || x.value, ',') FROM " +
			"(SELECT a.question_code, a.value FROM answers a WHERE " + of + " ORDER BY a.question_code) x)"
	}
	return "COALESCE(" + alias + ".answer_list, " + agg + ", '')"
}

// responseSelect is the select list of a whole response row named alias,
// in the order of responseCols.
func responseSelect(dialect, alias string) string {
	cols := make([]string, len(responseCols))
	for i, c := range responseCols {
		cols[i] = alias + "." + c
		if c == "answer_list" {
			cols[i] = answerListSQL(dialect, alias) + " AS answer_list"
		}
	}
	return strings.Join(cols, ", ")
}

func nonNilMap(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}

func (r responseRow) domain() domain.Response {
	resp := domain.Response{ID: r.ID, ClientID: r.ClientID, SurveyID: r.SurveyID, UnitID: r.UnitID,
		InstitutionID: r.InstitutionID, ServiceID: r.ServiceID, TemplateVersionID: r.TemplateVersionID, Day: r.Day,
		CapturedAt: r.CapturedAt, ReceivedAt: r.ReceivedAt, Comment: r.Comment, Receipt: r.Receipt,
		Suspicious: r.Suspicious, Excluded: r.Excluded, Answers: make(map[string]int, 12)}
	_ = json.Unmarshal([]byte(r.Profile), &resp.Profile)
	parseAnswers(r.AnswerList, resp.Answers)
	return resp
}

func (s *Store) findByClientID(ctx context.Context, institutionID, clientID string) (domain.Response, error) {
	var r responseRow
	err := s.db.WithContext(ctx).Select(responseSelect(s.dialect, "responses")).
		Take(&r, "institution_id = ? AND client_id = ?", institutionID, clientID).Error
	if err != nil {
		return domain.Response{}, translate(err, "response")
	}
	return r.domain(), nil
}

// FindResponse returns one response with its answers.
func (s *Store) FindResponse(ctx context.Context, id string) (domain.Response, error) {
	var r responseRow
	if !domain.IsUUID(id) {
		return domain.Response{}, domain.NotFound("response")
	}
	if err := s.db.WithContext(ctx).Select(responseSelect(s.dialect, "responses")).Take(&r, "id = ?", id).Error; err != nil {
		return domain.Response{}, translate(err, "response")
	}
	return r.domain(), nil
}

// FindResponses returns responses with their answers, newest first.
func (s *Store) FindResponses(ctx context.Context, f domain.ResponseFilter) ([]domain.Response, string, error) {
	q := s.db.WithContext(ctx).Model(&responseRow{})
	if f.SurveyID != "" {
		q = q.Where("responses.survey_id = ?", f.SurveyID)
	}
	if f.UnitPath != "" {
		q = q.Joins("JOIN units ON units.id = responses.unit_id").Where("units.path LIKE ?", likePrefix(f.UnitPath))
	}
	if f.From != "" {
		q = q.Where("responses.day >= ?", f.From)
	}
	if f.To != "" {
		q = q.Where("responses.day <= ?", f.To)
	}
	if f.Search != "" {
		q = q.Where("LOWER(responses.comment) LIKE ?", "%"+escapeLike(f.Search)+"%")
	}
	if f.Cursor != "" {
		q = q.Where("responses.id < ?", f.Cursor)
	}
	var rows []responseRow
	if err := q.Select(responseSelect(s.dialect, "responses")).Order("responses.id DESC").Limit(f.Limit + 1).Find(&rows).Error; err != nil {
		return nil, "", translate(err, "responses")
	}
	rows, next := cut(rows, f.Limit, func(r responseRow) string { return r.ID })
	return mapRows(rows, responseRow.domain), next, nil
}

// escapeLike lowers s and drops LIKE's wildcards from it: a search for
// punctuation is not worth a wildcard. Only ASCII is lowered, as SQLite's
// LOWER does.
func escapeLike(s string) string {
	var sb strings.Builder
	for _, r := range s {
		switch {
		case r == '%' || r == '_':
		case r >= 'A' && r <= 'Z':
			sb.WriteRune(r + ('a' - 'A'))
		default:
			sb.WriteRune(r)
		}
	}
	return sb.String()
}

// SetExcluded excludes a response from the index (or takes it back in),
// adjusting the rollups in the same transaction.
func (s *Store) SetExcluded(ctx context.Context, id string, excluded bool) (domain.Response, error) {
	var out domain.Response
	err := s.InTx(ctx, func(tx *Store) error {
		r, err := tx.FindResponse(ctx, id)
		if err != nil {
			return err
		}
		if r.Excluded == excluded {
			out = r
			return nil
		}
		if err := tx.db.Model(&responseRow{}).Where("id = ?", id).Update("excluded", excluded).Error; err != nil {
			return translate(err, "response")
		}
		sign := int64(1)
		if excluded {
			sign = -1
		}
		if err := tx.adjustRollups(ctx, r, sign); err != nil {
			return err
		}
		r.Excluded = excluded
		out = r
		return nil
	})
	return out, err
}

// DeleteResponse removes a response and its answers and takes it out of
// the rollups, in one transaction.
func (s *Store) DeleteResponse(ctx context.Context, id string) (domain.Response, error) {
	var out domain.Response
	err := s.InTx(ctx, func(tx *Store) error {
		r, err := tx.FindResponse(ctx, id)
		if err != nil {
			return err
		}
		if !r.Excluded {
			if err := tx.adjustRollups(ctx, r, -1); err != nil {
				return err
			}
		}
		if err := tx.db.Where("response_id = ?", id).Delete(&answerRow{}).Error; err != nil {
			return translate(err, "answers")
		}
		if err := tx.db.Where("id = ?", id).Delete(&responseRow{}).Error; err != nil {
			return translate(err, "response")
		}
		out = r
		// Once committed (not before: a resend's lookup would still find
		// the row), the writer no longer answers a resend from memory: it
		// is looked up, and stored again.
		tx.onCommit(func() { tx.recent.forgetReceipt(r.InstitutionID, r.ClientID) })
		return nil
	})
	return out, err
}

func (s *Store) adjustRollups(ctx context.Context, r domain.Response, sign int64) error {
	unit, err := s.FindUnit(ctx, r.UnitID)
	if err != nil {
		return err
	}
	v, err := s.FindTemplateVersion(ctx, r.TemplateVersionID)
	if err != nil {
		return err
	}
	d := newDeltas()
	d.add(&r, unit.Path, elementsOf(v), sign)
	if err := s.addDeltas(ctx, d); err != nil {
		return err
	}
	// Fold at once, so that the delta tables only ever add respondents:
	// LastResponseDays relies on it. An exclusion is rare; the fold then
	// takes whatever else is waiting too.
	if s.dialect == Postgres {
		if err := s.db.WithContext(ctx).Exec("SELECT pg_advisory_xact_lock(?)", foldLock).Error; err != nil {
			return translate(err, "rollups")
		}
	}
	return s.foldDeltas(ctx)
}

// RebuildRollups recomputes every rollup row from the responses, in one
// transaction, and returns how many responses it counted.
func (s *Store) RebuildRollups(ctx context.Context, progress func(done int64)) (int64, error) {
	var total int64
	err := s.InTx(ctx, func(tx *Store) error {
		if err := tx.lockRollups(ctx); err != nil {
			return err
		}
		for _, t := range []string{"rollup_counts", "rollup_subtrees", "rollup_deltas"} {
			if err := tx.db.Exec("DELETE FROM " + t).Error; err != nil {
				return translate(err, t)
			}
		}
		paths := map[string]string{}
		var units []unitRow
		if err := tx.db.Find(&units).Error; err != nil {
			return translate(err, "units")
		}
		for _, u := range units {
			paths[u.ID] = u.Path
		}
		versions := map[string]map[string]string{}
		cursor := ""
		for {
			var rows []responseRow
			q := tx.db.Select(responseSelect(tx.dialect, "responses")).Where("excluded = ?", false).Order("id").Limit(5000)
			if cursor != "" {
				q = q.Where("id > ?", cursor)
			}
			if err := q.Find(&rows).Error; err != nil {
				return translate(err, "responses")
			}
			if len(rows) == 0 {
				return nil
			}
			rs := mapRows(rows, responseRow.domain)
			d := newSums()
			for i := range rs {
				r := &rs[i]
				elementOf, ok := versions[r.TemplateVersionID]
				if !ok {
					v, err := tx.FindTemplateVersion(ctx, r.TemplateVersionID)
					if err != nil {
						return fmt.Errorf("response %s: %w", r.ID, err)
					}
					elementOf = elementsOf(v)
					versions[r.TemplateVersionID] = elementOf
				}
				d.add(r, paths[r.UnitID], elementOf)
			}
			if err := tx.addSums(ctx, d); err != nil {
				return err
			}
			total += int64(len(rows))
			cursor = rows[len(rows)-1].ID
			if progress != nil {
				progress(total)
			}
		}
	})
	return total, err
}

// RollupRow is one row of rollup_counts, for comparing rollups in tests
// and in the load tool's verification.
type RollupRow struct {
	InstitutionID, UnitID, SurveyID, ServiceID, Day, Dimension, Grp, Element string
	Num, Den                                                                 int
	N, IndexSum, IndexSumSq                                                  int64
}

// RollupSnapshot returns every non-empty rollup count of both tables, with
// the deltas not folded yet added, in a stable order: a respondent row
// (Element "") per group and a row per element score, whether the table
// keeps it in a column of the respondent row or in a row of its own.
// Subtree rows come with Dimension "subtree" and the subtree id as UnitID.
func (s *Store) RollupSnapshot(ctx context.Context) ([]RollupRow, error) {
	var out []RollupRow
	for i, t := range rollupTables {
		// The group's columns joined by the unit separator. Only the last
		// (grp, a profile answer) could hold one: SplitN keeps it whole.
		group := t.key[:strings.Index(t.key, ", element")]
		key := strings.ReplaceAll(group, ", ", " || '\x1f' || ")
		parts := strings.Count(group, ",") + 1
		rows, err := scanCounts(s.db.WithContext(ctx).Table(t.table + "_all").Select(sumsSelect(key, "")).
			Group(group + ", element, num, den"))
		if err != nil {
			return nil, err
		}
		for _, r := range rows {
			k := strings.SplitN(r.Key, "\x1f", parts)
			base := RollupRow{InstitutionID: k[0], UnitID: k[1], Day: k[2], Dimension: "subtree"}
			if i == 0 {
				base = RollupRow{InstitutionID: k[0], UnitID: k[1], SurveyID: k[2], ServiceID: k[3], Day: k[4], Dimension: k[5], Grp: k[6]}
			}
			if r.N != 0 || r.IndexSum != 0 || r.IndexSumSq != 0 {
				row := base
				row.Element, row.Num, row.Den, row.N, row.IndexSum, row.IndexSumSq = r.Element, r.Num, r.Den, r.N, r.IndexSum, r.IndexSumSq
				out = append(out, row)
			}
			for c, n := range r.Std {
				if n != 0 {
					row := base
					row.Element, row.Num, row.Den, row.N = stdElements[c/4], c%4+1, 1, n
					out = append(out, row)
				}
			}
		}
	}
	slices.SortFunc(out, func(a, b RollupRow) int {
		return cmp.Or(cmp.Compare(a.InstitutionID, b.InstitutionID), cmp.Compare(a.UnitID, b.UnitID), cmp.Compare(a.SurveyID, b.SurveyID),
			cmp.Compare(a.ServiceID, b.ServiceID), cmp.Compare(a.Day, b.Day), cmp.Compare(a.Dimension, b.Dimension), cmp.Compare(a.Grp, b.Grp),
			cmp.Compare(a.Element, b.Element), cmp.Compare(a.Den, b.Den), cmp.Compare(a.Num, b.Num))
	})
	return out, nil
}

// FindResponseByClientID returns the response a client stored under its
// client id in an institution, so a replay is answered even after the
// survey closed.
func (s *Store) FindResponseByClientID(ctx context.Context, institutionID, clientID string) (domain.Response, error) {
	return s.findByClientID(ctx, institutionID, clientID)
}
