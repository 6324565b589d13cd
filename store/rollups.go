package store

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"

	"suara/domain"
	"suara/survey"
)

// Profile dimensions kept in the rollups, besides the overall row ("").
var Dimensions = []string{"gender", "age", "education", "occupation"}

// rollupKey addresses one row of rollup_counts.
type rollupKey struct {
	InstitutionID, UnitID, SurveyID, ServiceID, Day string
	Dimension, Grp, Element                         string
	Num, Den                                        int
}

// subtreeKey addresses one row of rollup_subtrees.
type subtreeKey struct {
	InstitutionID, SubtreeID, Day, Element string
	Num, Den                               int
}

// delta is what one or many responses add to a rollup row.
type delta struct{ N, IndexSum, IndexSumSq int64 }

func (d *delta) add(o delta) {
	d.N += o.N
	d.IndexSum += o.IndexSum
	d.IndexSumSq += o.IndexSumSq
}

// deltas pre-sums the rollup changes of many responses, so that a batch of
// a hundred answers to one unit on one day touches each row once.
type deltas struct {
	counts  map[rollupKey]*delta
	subtree map[subtreeKey]*delta
}

func newDeltas() *deltas {
	return &deltas{counts: map[rollupKey]*delta{}, subtree: map[subtreeKey]*delta{}}
}

// elementsOf maps a template version's element question codes to their
// element ids.
func elementsOf(v domain.TemplateVersion) map[string]string {
	m := map[string]string{}
	for _, q := range v.Questions {
		if q.Kind == domain.KindElement {
			m[q.Code] = q.Element
		}
	}
	return m
}

// add adds one response (sign +1) or takes it away (sign -1). unitPath is
// the path of the response's unit; every unit on it gets a subtree row.
func (d *deltas) add(r *domain.Response, unitPath string, elementOf map[string]string, sign int64) {
	byElement := map[string][]int{}
	for code, v := range r.Answers {
		if e, ok := elementOf[code]; ok {
			byElement[e] = append(byElement[e], v)
		}
	}
	idx, ok := survey.RespondentIndexCents(byElement)
	if !ok {
		return // no element answered: nothing to count
	}
	service := ""
	if r.ServiceID != nil {
		service = *r.ServiceID
	}
	groups := []struct{ dim, grp string }{{"", ""}}
	for _, dim := range Dimensions {
		v := r.Profile[dim]
		if dim == "age" {
			v = domain.AgeBand(v)
		}
		if v != "" {
			groups = append(groups, struct{ dim, grp string }{dim, v})
		}
	}
	respondent := delta{N: sign, IndexSum: sign * idx, IndexSumSq: sign * idx * idx}
	ancestors := strings.Split(strings.Trim(unitPath, "/"), "/")
	addCount := func(k rollupKey, x delta) {
		if d.counts[k] == nil {
			d.counts[k] = &delta{}
		}
		d.counts[k].add(x)
	}
	addSubtree := func(k subtreeKey, x delta) {
		if d.subtree[k] == nil {
			d.subtree[k] = &delta{}
		}
		d.subtree[k].add(x)
	}
	for _, g := range groups {
		base := rollupKey{InstitutionID: r.InstitutionID, UnitID: r.UnitID, SurveyID: r.SurveyID, ServiceID: service,
			Day: r.Day, Dimension: g.dim, Grp: g.grp}
		addCount(base, respondent)
		for e, vs := range byElement {
			k := base
			k.Element, k.Num, k.Den = e, sum(vs), len(vs)
			addCount(k, delta{N: sign})
		}
	}
	for _, a := range ancestors {
		base := subtreeKey{InstitutionID: r.InstitutionID, SubtreeID: a, Day: r.Day}
		addSubtree(base, respondent)
		for e, vs := range byElement {
			k := base
			k.Element, k.Num, k.Den = e, sum(vs), len(vs)
			addSubtree(k, delta{N: sign})
		}
	}
}

func sum(vs []int) int {
	t := 0
	for _, v := range vs {
		t += v
	}
	return t
}

// The rollup tables, their delta tables and their keys. The writer appends
// pre-summed deltas (cheap inserts, no row locks); the compactor folds
// them into the keyed tables; reads use the *_all views, which add both.
const (
	countKeyCols   = "institution_id, unit_id, survey_id, service_id, day, dimension, grp, element, num, den"
	subtreeKeyCols = "institution_id, subtree_id, day, element, num, den"
)

var (
	countColumns   = []string{"institution_id", "unit_id", "survey_id", "service_id", "day", "dimension", "grp", "element", "num", "den", "n", "index_sum", "index_sum_sq"}
	subtreeColumns = []string{"institution_id", "subtree_id", "day", "element", "num", "den", "n", "index_sum", "index_sum_sq"}
)

type rollupTable struct {
	table, deltas, key string
	cols               []string
}

var rollupTables = []rollupTable{
	{"rollup_counts", "rollup_count_deltas", countKeyCols, countColumns},
	{"rollup_subtrees", "rollup_subtree_deltas", subtreeKeyCols, subtreeColumns},
}

func (d *deltas) countRows() [][]any {
	rows := make([][]any, 0, len(d.counts))
	for k, x := range d.counts {
		rows = append(rows, []any{k.InstitutionID, k.UnitID, k.SurveyID, k.ServiceID, k.Day, k.Dimension, k.Grp, k.Element, k.Num, k.Den, x.N, x.IndexSum, x.IndexSumSq})
	}
	return rows
}

func (d *deltas) subtreeRows() [][]any {
	rows := make([][]any, 0, len(d.subtree))
	for k, x := range d.subtree {
		rows = append(rows, []any{k.InstitutionID, k.SubtreeID, k.Day, k.Element, k.Num, k.Den, x.N, x.IndexSum, x.IndexSumSq})
	}
	return rows
}

// addDeltas appends the deltas to the delta tables with multi-row inserts.
func (s *Store) addDeltas(ctx context.Context, d *deltas) error {
	if err := insertRows(ctx, s, rollupTables[0].deltas, countColumns, d.countRows()); err != nil {
		return err
	}
	return insertRows(ctx, s, rollupTables[1].deltas, subtreeColumns, d.subtreeRows())
}

// copyDeltas appends the deltas to the delta tables with COPY, PostgreSQL's
// fastest way in.
func copyDeltas(ctx context.Context, tx pgx.Tx, d *deltas) error {
	for i, rows := range [][][]any{d.countRows(), d.subtreeRows()} {
		t := rollupTables[i]
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{t.deltas}, t.cols, pgx.CopyFromRows(rows)); err != nil {
			return fmt.Errorf("copy %s: %w", t.deltas, err)
		}
	}
	return nil
}

// insertRows writes rows with multi-row INSERTs, in chunks that stay under
// both databases' limits on bound parameters.
func insertRows(ctx context.Context, s *Store, table string, cols []string, rows [][]any) error {
	chunk := 30000 / len(cols)
	tuple := "(" + strings.TrimSuffix(strings.Repeat("?,", len(cols)), ",") + ")"
	for start := 0; start < len(rows); start += chunk {
		end := min(start+chunk, len(rows))
		var sb strings.Builder
		fmt.Fprintf(&sb, "INSERT INTO %s (%s) VALUES ", table, strings.Join(cols, ", "))
		args := make([]any, 0, (end-start)*len(cols))
		for i := start; i < end; i++ {
			if i > start {
				sb.WriteByte(',')
			}
			sb.WriteString(tuple)
			args = append(args, rows[i]...)
		}
		if err := s.db.WithContext(ctx).Exec(sb.String(), args...).Error; err != nil {
			return translate(err, "rollups")
		}
	}
	return nil
}

// foldStatements returns the statements that fold the delta tables into
// the rollup tables; they run in one transaction. On PostgreSQL, DELETE …
// RETURNING hands over exactly the rows it deleted, so a batch committing
// meanwhile keeps its rows for the next fold. SQLite has one writer at a
// time, so it can sum first and delete after.
func foldStatements(dialect string) []string {
	var out []string
	for _, t := range rollupTables {
		sums := t.key + ", SUM(n), SUM(index_sum), SUM(index_sum_sq)"
		add := fmt.Sprintf(` ON CONFLICT (%[1]s) DO UPDATE SET n = %[2]s.n + excluded.n,
index_sum = %[2]s.index_sum + excluded.index_sum, index_sum_sq = %[2]s.index_sum_sq + excluded.index_sum_sq`, t.key, t.table)
		cols := strings.Join(t.cols, ", ")
		if dialect == Postgres {
			out = append(out, fmt.Sprintf(`WITH d AS (DELETE FROM %s RETURNING *) INSERT INTO %s (%s) SELECT %s FROM d GROUP BY %s`,
				t.deltas, t.table, cols, sums, t.key)+add)
			continue
		}
		// WHERE true: SQLite's parser needs it before ON CONFLICT in an INSERT … SELECT.
		out = append(out, fmt.Sprintf(`INSERT INTO %s (%s) SELECT %s FROM %s WHERE true GROUP BY %s`,
			t.table, cols, sums, t.deltas, t.key)+add, "DELETE FROM "+t.deltas)
	}
	return out
}

// foldLock is the PostgreSQL advisory lock a fold holds: one fold at a
// time across replicas, so that two folds never wait on each other's
// rows. A replica that finds it taken skips its turn.
const foldLock = 0x5375617261 // "Suara"

// foldDeltas folds the delta tables into the rollup tables; the caller
// provides the transaction.
func (s *Store) foldDeltas(ctx context.Context) error {
	for _, q := range foldStatements(s.dialect) {
		if err := s.db.WithContext(ctx).Exec(q).Error; err != nil {
			return translate(err, "rollups")
		}
	}
	return nil
}

// CompactRollups folds the rollup deltas the writer appended into the
// rollup tables, in one transaction. The indices read the same before and
// after; only the number of rows they sum shrinks. The store runs it
// every WriterOptions.CompactEvery and when it closes.
func (s *Store) CompactRollups(ctx context.Context) error {
	return s.InTx(ctx, func(tx *Store) error {
		if tx.dialect == Postgres {
			var mine bool
			if err := tx.db.WithContext(ctx).Raw("SELECT pg_try_advisory_xact_lock(?)", foldLock).Scan(&mine).Error; err != nil {
				return translate(err, "rollups")
			}
			if !mine {
				return nil // another replica is folding
			}
			// A fold after a long outage may take longer than a request's
			// statement, and sums in memory what it can.
			if err := tx.db.WithContext(ctx).Exec("SET LOCAL statement_timeout = '60s'; SET LOCAL work_mem = '64MB'").Error; err != nil {
				return translate(err, "rollups")
			}
		}
		return tx.foldDeltas(ctx)
	})
}

// lockRollups keeps writers and compactors out of the rollups until the
// transaction ends (PostgreSQL; SQLite transactions already exclude
// every other writer): a rebuild or a recount sees a still picture.
func (s *Store) lockRollups(ctx context.Context) error {
	if s.dialect != Postgres {
		return nil
	}
	err := s.db.WithContext(ctx).Exec("LOCK TABLE rollup_count_deltas, rollup_subtree_deltas IN EXCLUSIVE MODE").Error
	return translate(err, "rollups")
}

// CountQuery selects the responses an index counts: the days From..To
// (inclusive, YYYY-MM-DD) and optionally one survey or one service.
type CountQuery struct {
	From, To  string
	SurveyID  string
	ServiceID string
}

type countRow struct {
	Key        string
	Element    string
	Num, Den   int
	N          int64
	IndexSum   int64
	IndexSumSq int64
}

// SubtreeCounts returns the answer counts of a unit and everything below
// it. It reads rollups only: its cost grows with days × elements, never
// with responses.
func (s *Store) SubtreeCounts(ctx context.Context, unit domain.Unit, q CountQuery) (*survey.Counts, error) {
	m, err := s.SubtreeCountsMany(ctx, []domain.Unit{unit}, q)
	if err != nil {
		return nil, err
	}
	return m[unit.ID], nil
}

// SubtreeCountsMany returns the counts of each unit's subtree in one query;
// every unit has an entry, empty when nothing was counted.
func (s *Store) SubtreeCountsMany(ctx context.Context, units []domain.Unit, q CountQuery) (map[string]*survey.Counts, error) {
	out := make(map[string]*survey.Counts, len(units))
	ids := make([]string, len(units))
	var insts []string // the distribution column: one shard per institution under Citus
	for i, u := range units {
		out[u.ID] = survey.NewCounts()
		ids[i] = u.ID
		if !slices.Contains(insts, u.InstitutionID) {
			insts = append(insts, u.InstitutionID)
		}
	}
	if len(units) == 0 {
		return out, nil
	}
	var rows []countRow
	var err error
	if q.SurveyID == "" && q.ServiceID == "" {
		err = s.db.WithContext(ctx).Table("rollup_subtrees_all").
			Select("subtree_id AS key, element, num, den, SUM(n) AS n, SUM(index_sum) AS index_sum, SUM(index_sum_sq) AS index_sum_sq").
			Where("institution_id IN ? AND subtree_id IN ? AND day BETWEEN ? AND ?", insts, ids, q.From, q.To).
			Group("subtree_id, element, num, den").Scan(&rows).Error
		if err != nil {
			return nil, translate(err, "rollups")
		}
		fill(out, rows)
		return out, nil
	}
	// A survey or service filter needs the finer table; one query per unit
	// keeps each one an index range scan on the unit's path.
	for _, u := range units {
		db := s.db.WithContext(ctx).Table("rollup_counts_all AS r").
			Select("? AS key, r.element, r.num, r.den, SUM(r.n) AS n, SUM(r.index_sum) AS index_sum, SUM(r.index_sum_sq) AS index_sum_sq", u.ID).
			Joins("JOIN units ON units.id = r.unit_id").
			Where("r.institution_id = ? AND units.path LIKE ? AND r.dimension = '' AND r.day BETWEEN ? AND ?", u.InstitutionID, likePrefix(u.Path), q.From, q.To)
		if q.SurveyID != "" {
			db = db.Where("r.survey_id = ?", q.SurveyID)
		}
		if q.ServiceID != "" {
			db = db.Where("r.service_id = ?", q.ServiceID)
		}
		var part []countRow
		if err := db.Group("r.element, r.num, r.den").Scan(&part).Error; err != nil {
			return nil, translate(err, "rollups")
		}
		rows = append(rows, part...)
	}
	fill(out, rows)
	return out, nil
}

func fill(out map[string]*survey.Counts, rows []countRow) {
	for _, r := range rows {
		c := out[r.Key]
		if c == nil {
			c = survey.NewCounts()
			out[r.Key] = c
		}
		if r.Element == "" {
			c.AddRespondents(r.N, r.IndexSum, r.IndexSumSq)
		} else if r.N != 0 {
			c.Add(r.Element, survey.Score{Num: r.Num, Den: r.Den}, r.N)
		}
	}
}

// DailyCounts returns a unit subtree's counts per day with answers, for
// trend series.
func (s *Store) DailyCounts(ctx context.Context, unit domain.Unit, from, to string) (map[string]*survey.Counts, error) {
	var rows []countRow
	err := s.db.WithContext(ctx).Table("rollup_subtrees_all").
		Select("day AS key, element, num, den, SUM(n) AS n, SUM(index_sum) AS index_sum, SUM(index_sum_sq) AS index_sum_sq").
		Where("institution_id = ? AND subtree_id = ? AND day BETWEEN ? AND ?", unit.InstitutionID, unit.ID, from, to).
		Group("day, element, num, den").Scan(&rows).Error
	if err != nil {
		return nil, translate(err, "rollups")
	}
	out := map[string]*survey.Counts{}
	fill(out, rows)
	return out, nil
}

// BreakdownCounts returns a unit subtree's counts per group of a profile
// dimension (gender, age, education, occupation) or per service.
func (s *Store) BreakdownCounts(ctx context.Context, unit domain.Unit, dimension string, q CountQuery) (map[string]*survey.Counts, error) {
	db := s.db.WithContext(ctx).Table("rollup_counts_all AS r").
		Joins("JOIN units ON units.id = r.unit_id").
		Where("r.institution_id = ? AND units.path LIKE ? AND r.day BETWEEN ? AND ?", unit.InstitutionID, likePrefix(unit.Path), q.From, q.To)
	if dimension == "service" {
		db = db.Select("r.service_id AS key, r.element, r.num, r.den, SUM(r.n) AS n, SUM(r.index_sum) AS index_sum, SUM(r.index_sum_sq) AS index_sum_sq").
			Where("r.dimension = ''").Group("r.service_id, r.element, r.num, r.den")
	} else {
		db = db.Select("r.grp AS key, r.element, r.num, r.den, SUM(r.n) AS n, SUM(r.index_sum) AS index_sum, SUM(r.index_sum_sq) AS index_sum_sq").
			Where("r.dimension = ?", dimension).Group("r.grp, r.element, r.num, r.den")
	}
	if q.SurveyID != "" {
		db = db.Where("r.survey_id = ?", q.SurveyID)
	}
	var rows []countRow
	if err := db.Scan(&rows).Error; err != nil {
		return nil, translate(err, "rollups")
	}
	out := map[string]*survey.Counts{}
	fill(out, rows)
	return out, nil
}

// LastResponseDays returns, for each unit in a subtree that ever received
// a response, the last day it did.
func (s *Store) LastResponseDays(ctx context.Context, unit domain.Unit) (map[string]string, error) {
	var rows []struct {
		UnitID string
		Day    string
	}
	// A day counts when its respondent rows sum above zero: an excluded
	// response's delta can cancel the row that counted it.
	days := s.db.WithContext(ctx).Table("rollup_counts_all AS r").Select("r.unit_id, r.day").
		Joins("JOIN units ON units.id = r.unit_id").
		Where("r.institution_id = ? AND units.path LIKE ? AND r.dimension = '' AND r.element = ''", unit.InstitutionID, likePrefix(unit.Path)).
		Group("r.unit_id, r.day").Having("SUM(r.n) > 0")
	err := s.db.WithContext(ctx).Table("(?) AS d", days).Select("d.unit_id, MAX(d.day) AS day").Group("d.unit_id").Scan(&rows).Error
	if err != nil {
		return nil, translate(err, "rollups")
	}
	out := make(map[string]string, len(rows))
	for _, r := range rows {
		out[r.UnitID] = r.Day
	}
	return out, nil
}
