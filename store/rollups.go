package store

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"

	"suara/domain"
	"suara/survey"
)

// Profile dimensions kept in the rollups, besides the overall row ("").
var Dimensions = []string{"gender", "age", "education", "occupation"}

// countGroup addresses the rows of rollup_counts that one profile group
// of one unit, survey, service and day holds: its respondent row
// (element "") and a row per element score.
type countGroup struct {
	InstitutionID, UnitID, SurveyID, ServiceID, Day string
	Dimension, Grp                                  string
}

// subtreeGroup addresses the rows of rollup_subtrees of one subtree and day.
type subtreeGroup struct{ InstitutionID, SubtreeID, Day string }

// delta is what one or many responses add to a respondent row.
type delta struct{ N, IndexSum, IndexSumSq int64 }

func (d *delta) add(o delta) {
	d.N += o.N
	d.IndexSum += o.IndexSum
	d.IndexSumSq += o.IndexSumSq
}

// scoreCount is how many respondents (N) had a score Num/Den on an element.
type scoreCount struct {
	Element  string
	Num, Den int
	N        int64
}

// groupDelta is what responses add to one group: its respondent row and
// its element score rows. It becomes one row of a delta table, the scores
// as JSON, so that a response costs a few delta rows, not one per element
// score; the fold spreads them into rollup rows.
type groupDelta struct {
	respondents delta
	scores      []scoreCount // a standard group has at most 36 (9 elements × 4 values)
}

func (g *groupDelta) add(r delta, scores []scoreCount) {
	g.respondents.add(r)
	for _, sc := range scores {
		i := slices.IndexFunc(g.scores, func(x scoreCount) bool { return x.Element == sc.Element && x.Num == sc.Num && x.Den == sc.Den })
		if i < 0 {
			g.scores = append(g.scores, sc)
			continue
		}
		g.scores[i].N += sc.N
	}
}

// scoresJSON encodes the scores as [["element",num,den,n],…], sorted.
func (g *groupDelta) scoresJSON() string {
	slices.SortFunc(g.scores, func(a, b scoreCount) int {
		if c := strings.Compare(a.Element, b.Element); c != 0 {
			return c
		}
		if a.Den != b.Den {
			return a.Den - b.Den
		}
		return a.Num - b.Num
	})
	var sb strings.Builder
	sb.WriteByte('[')
	for i, sc := range g.scores {
		if i > 0 {
			sb.WriteByte(',')
		}
		name, _ := json.Marshal(sc.Element) // a string always encodes
		fmt.Fprintf(&sb, "[%s,%d,%d,%d]", name, sc.Num, sc.Den, sc.N)
	}
	sb.WriteByte(']')
	return sb.String()
}

// deltas pre-sums the rollup changes of many responses, so that a batch of
// a hundred answers to one unit on one day adds one row per group.
type deltas struct {
	counts  map[countGroup]*groupDelta
	subtree map[subtreeGroup]*groupDelta
}

func newDeltas() *deltas {
	return &deltas{counts: map[countGroup]*groupDelta{}, subtree: map[subtreeGroup]*groupDelta{}}
}

// size is how many delta rows the deltas make.
func (d *deltas) size() int { return len(d.counts) + len(d.subtree) }

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
	scores := make([]scoreCount, 0, len(byElement))
	for e, vs := range byElement {
		scores = append(scores, scoreCount{Element: e, Num: sum(vs), Den: len(vs), N: sign})
	}
	for _, g := range groups {
		k := countGroup{InstitutionID: r.InstitutionID, UnitID: r.UnitID, SurveyID: r.SurveyID, ServiceID: service,
			Day: r.Day, Dimension: g.dim, Grp: g.grp}
		if g.dim != "" {
			// Profile breakdowns are never split by service: keying their
			// rows by it would multiply the rows a fold touches by the
			// number of services for nothing.
			k.ServiceID = ""
		}
		if d.counts[k] == nil {
			d.counts[k] = &groupDelta{}
		}
		d.counts[k].add(respondent, scores)
	}
	for _, a := range strings.Split(strings.Trim(unitPath, "/"), "/") {
		k := subtreeGroup{InstitutionID: r.InstitutionID, SubtreeID: a, Day: r.Day}
		if d.subtree[k] == nil {
			d.subtree[k] = &groupDelta{}
		}
		d.subtree[k].add(respondent, scores)
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
// pre-summed deltas (cheap inserts, no row locks); the fold adds them to
// the keyed tables; reads use the *_all views, which add both.
type rollupTable struct {
	table, deltas string
	key           string   // the table's primary key
	group         []string // the group columns: the key without element, num, den
	cols          []string // the table's columns
	deltaCols     []string // the delta table's columns
}

var rollupTables = []rollupTable{
	{
		table: "rollup_counts", deltas: "rollup_count_deltas",
		key:       "institution_id, unit_id, survey_id, service_id, day, dimension, grp, element, num, den",
		group:     []string{"institution_id", "unit_id", "survey_id", "service_id", "day", "dimension", "grp"},
		cols:      []string{"institution_id", "unit_id", "survey_id", "service_id", "day", "dimension", "grp", "element", "num", "den", "n", "index_sum", "index_sum_sq"},
		deltaCols: []string{"institution_id", "unit_id", "survey_id", "service_id", "day", "dimension", "grp", "n", "index_sum", "index_sum_sq", "scores"},
	},
	{
		table: "rollup_subtrees", deltas: "rollup_subtree_deltas",
		key:       "institution_id, subtree_id, day, element, num, den",
		group:     []string{"institution_id", "subtree_id", "day"},
		cols:      []string{"institution_id", "subtree_id", "day", "element", "num", "den", "n", "index_sum", "index_sum_sq"},
		deltaCols: []string{"institution_id", "subtree_id", "day", "n", "index_sum", "index_sum_sq", "scores"},
	},
}

func (d *deltas) countRows() [][]any {
	rows := make([][]any, 0, len(d.counts))
	for k, g := range d.counts {
		x := g.respondents
		rows = append(rows, []any{k.InstitutionID, k.UnitID, k.SurveyID, k.ServiceID, k.Day, k.Dimension, k.Grp, x.N, x.IndexSum, x.IndexSumSq, g.scoresJSON()})
	}
	return rows
}

func (d *deltas) subtreeRows() [][]any {
	rows := make([][]any, 0, len(d.subtree))
	for k, g := range d.subtree {
		x := g.respondents
		rows = append(rows, []any{k.InstitutionID, k.SubtreeID, k.Day, x.N, x.IndexSum, x.IndexSumSq, g.scoresJSON()})
	}
	return rows
}

// addDeltas appends the deltas to the delta tables with multi-row inserts.
func (s *Store) addDeltas(ctx context.Context, d *deltas) error {
	for i, rows := range [][][]any{d.countRows(), d.subtreeRows()} {
		if err := insertRows(ctx, s, rollupTables[i].deltas, rollupTables[i].deltaCols, rows); err != nil {
			return err
		}
	}
	return nil
}

// copyDeltas appends the deltas to the delta tables with COPY, PostgreSQL's
// fastest way in.
func copyDeltas(ctx context.Context, tx pgx.Tx, d *deltas) error {
	for i, rows := range [][][]any{d.countRows(), d.subtreeRows()} {
		t := rollupTables[i]
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{t.deltas}, t.deltaCols, pgx.CopyFromRows(rows)); err != nil {
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

// expandDeltas returns a SELECT of the rollup rows that the delta rows of
// from (a table or a WITH query) stand for: each delta row's respondent
// row, and a row per score in its JSON. It is the definition of the
// *_all views' second half (migration 202611280900_rollup_deltas).
func expandDeltas(dialect string, t rollupTable, from string) string {
	g := "d." + strings.Join(t.group, ", d.")
	respondents := fmt.Sprintf("SELECT %s, '' AS element, 0 AS num, 0 AS den, d.n, d.index_sum, d.index_sum_sq FROM %s d", g, from)
	if dialect == Postgres {
		return respondents + fmt.Sprintf(` UNION ALL SELECT %s, e->>0, (e->>1)::bigint, (e->>2)::bigint, (e->>3)::bigint, 0, 0
FROM %s d CROSS JOIN LATERAL jsonb_array_elements(d.scores::jsonb) e`, g, from)
	}
	return respondents + fmt.Sprintf(` UNION ALL SELECT %s, json_extract(e.value, '$[0]'), json_extract(e.value, '$[1]'),
json_extract(e.value, '$[2]'), json_extract(e.value, '$[3]'), 0, 0 FROM %s d, json_each(d.scores) e`, g, from)
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
			out = append(out, fmt.Sprintf(`WITH gone AS (DELETE FROM %s RETURNING *) INSERT INTO %s (%s) SELECT %s FROM (%s) x GROUP BY %s`,
				t.deltas, t.table, cols, sums, expandDeltas(dialect, t, "gone"), t.key)+add)
			continue
		}
		// WHERE true: SQLite's parser needs it before ON CONFLICT in an INSERT … SELECT.
		out = append(out, fmt.Sprintf(`INSERT INTO %s (%s) SELECT %s FROM (%s) x WHERE true GROUP BY %s`,
			t.table, cols, sums, expandDeltas(dialect, t, t.deltas), t.key)+add, "DELETE FROM "+t.deltas)
	}
	return out
}

// foldSettings returns the PostgreSQL settings of a fold's transaction.
// The planner guesses 100 scores per delta row, not 9 to 36: left alone it
// sorts (slow on text keys) instead of hashing, and compiles the plan with
// JIT, which costs more than the fold itself.
func foldSettings(statementTimeout, workMem string) []string {
	return []string{
		"SET LOCAL statement_timeout = '" + statementTimeout + "'", "SET LOCAL work_mem = '" + workMem + "'",
		"SET LOCAL enable_sort = off", "SET LOCAL jit = off",
	}
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
			// A fold after a long outage may take longer than a request's statement.
			for _, set := range foldSettings("60s", "64MB") {
				if err := tx.db.WithContext(ctx).Exec(set).Error; err != nil {
					return translate(err, "rollups")
				}
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
	// keeps each one an index scan on the units of its subtree.
	for _, u := range units {
		ids, err := s.subtreeUnitIDs(ctx, u)
		if err != nil {
			return nil, err
		}
		db := s.db.WithContext(ctx).Table("rollup_counts_all AS r").
			Select("? AS key, r.element, r.num, r.den, SUM(r.n) AS n, SUM(r.index_sum) AS index_sum, SUM(r.index_sum_sq) AS index_sum_sq", u.ID).
			Where("r.institution_id = ? AND r.unit_id IN ? AND r.dimension = '' AND r.day BETWEEN ? AND ?", u.InstitutionID, ids, q.From, q.To)
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

// subtreeUnitIDs returns the ids of a unit and every unit below it. The
// rollup reads take them as constants: PostgreSQL cannot carry a join's
// values into the *_all views, whose delta half expands JSON.
func (s *Store) subtreeUnitIDs(ctx context.Context, unit domain.Unit) ([]string, error) {
	var ids []string
	err := s.db.WithContext(ctx).Model(&unitRow{}).Where("institution_id = ? AND path LIKE ?", unit.InstitutionID, likePrefix(unit.Path)).
		Order("id").Pluck("id", &ids).Error
	return ids, translate(err, "units")
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
	ids, err := s.subtreeUnitIDs(ctx, unit)
	if err != nil {
		return nil, err
	}
	db := s.db.WithContext(ctx).Table("rollup_counts_all AS r").
		Where("r.institution_id = ? AND r.unit_id IN ? AND r.day BETWEEN ? AND ?", unit.InstitutionID, ids, q.From, q.To)
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
	ids, err := s.subtreeUnitIDs(ctx, unit)
	if err != nil {
		return nil, err
	}
	// A day counts when its respondent rows sum above zero: an excluded
	// response's delta can cancel the row that counted it.
	days := s.db.WithContext(ctx).Table("rollup_counts_all AS r").Select("r.unit_id, r.day").
		Where("r.institution_id = ? AND r.unit_id IN ? AND r.dimension = '' AND r.element = ''", unit.InstitutionID, ids).
		Group("r.unit_id, r.day").Having("SUM(r.n) > 0")
	err = s.db.WithContext(ctx).Table("(?) AS d", days).Select("d.unit_id, MAX(d.day) AS day").Group("d.unit_id").Scan(&rows).Error
	if err != nil {
		return nil, translate(err, "rollups")
	}
	out := make(map[string]string, len(rows))
	for _, r := range rows {
		out[r.UnitID] = r.Day
	}
	return out, nil
}
