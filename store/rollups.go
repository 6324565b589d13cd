package store

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"gorm.io/gorm"

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
	col      int // its column in stdCols, or -1: found once per response, not per group
}

// stdElements are the ids of the nine elements of PermenPANRB 14/2017 in
// the order of their codes U1…U9. A respondent row counts their scores
// 1…4 in its columns u1_1 … u9_4 (stdCols); any other score has a row of
// its own (migration 202611290900_wide_rollups).
var stdElements = func() []string {
	var ids []string
	for _, e := range survey.SKM().Elements {
		ids = append(ids, e.ID)
	}
	return ids
}()

// stdCols are the score columns of a respondent row: u{k}_{v} at index
// (k-1)*4 + v-1.
var stdCols = func() []string {
	var cols []string
	for k := range stdElements {
		for v := 1; v <= 4; v++ {
			cols = append(cols, fmt.Sprintf("u%d_%d", k+1, v))
		}
	}
	return cols
}()

// stdCol returns the index in stdCols of a score, or -1 when it has no
// column.
func stdCol(element string, num, den int) int {
	if den > 1 && num%den == 0 { // 6/2 is 3/1
		num, den = num/den, 1
	}
	if den != 1 || num < 1 || num > 4 {
		return -1
	}
	k := slices.Index(stdElements, element)
	if k < 0 {
		return -1
	}
	return k*4 + num - 1
}

// groupDelta is what responses add to one group (a profile group of a
// unit's day, or a subtree's day): its respondent row with the standard
// scores in columns, and the other scores, which get a row each.
type groupDelta struct {
	respondents delta
	std         [36]int64
	other       []scoreCount
}

func (g *groupDelta) add(r delta, scores []scoreCount) {
	g.respondents.add(r)
	for _, sc := range scores {
		if sc.col >= 0 {
			g.std[sc.col] += sc.N
			continue
		}
		i := slices.IndexFunc(g.other, func(x scoreCount) bool { return x.Element == sc.Element && x.Num == sc.Num && x.Den == sc.Den })
		if i < 0 {
			g.other = append(g.other, sc)
			continue
		}
		g.other[i].N += sc.N
	}
}

// rows returns the delta rows of the group: key is the group's columns,
// then element, num, den and the value columns of the rollup table.
func (g *groupDelta) rows(key []any) [][]any {
	out := make([][]any, 0, 1+len(g.other))
	row := make([]any, 0, len(key)+6+len(stdCols))
	row = append(row, key...)
	row = append(row, "", 0, 0, g.respondents.N, g.respondents.IndexSum, g.respondents.IndexSumSq)
	for _, v := range g.std {
		row = append(row, v)
	}
	out = append(out, row)
	for _, sc := range g.other {
		row := make([]any, 0, len(key)+6+len(stdCols))
		row = append(row, key...)
		row = append(row, sc.Element, sc.Num, sc.Den, sc.N, int64(0), int64(0))
		for range stdCols {
			row = append(row, int64(0))
		}
		out = append(out, row)
	}
	return out
}

// counted is what one response adds to the rollups (sign +1) or takes
// away (sign -1): its respondent sums and one count per element score.
// ok is false when it answered no element: it is not counted.
func counted(r *domain.Response, elementOf map[string]string, sign int64) (respondent delta, scores []scoreCount, ok bool) {
	byElement := map[string][]int{}
	for code, v := range r.Answers {
		if e, ok := elementOf[code]; ok {
			byElement[e] = append(byElement[e], v)
		}
	}
	idx, ok := survey.RespondentIndexCents(byElement)
	if !ok {
		return delta{}, nil, false
	}
	scores = make([]scoreCount, 0, len(byElement))
	for e, vs := range byElement {
		sc := scoreCount{Element: e, Num: sum(vs), Den: len(vs), N: sign}
		sc.col = stdCol(sc.Element, sc.Num, sc.Den)
		scores = append(scores, sc)
	}
	return delta{N: sign, IndexSum: sign * idx, IndexSumSq: sign * idx * idx}, scores, true
}

// profileGroups returns a response's answer to each of Dimensions, the
// age as its band; "" where it gave none.
func profileGroups(r *domain.Response) [4]string {
	var out [4]string
	for i, dim := range Dimensions {
		v := r.Profile[dim]
		if dim == "age" {
			v = domain.AgeBand(v)
		}
		out[i] = v
	}
	return out
}

func serviceOf(r *domain.Response) string {
	if r.ServiceID != nil {
		return *r.ServiceID
	}
	return ""
}

// pathIDs returns the ids of the units on a unit path, the root first.
func pathIDs(unitPath string) []string { return strings.Split(strings.Trim(unitPath, "/"), "/") }

// sums pre-sums the rollup rows of many responses in the rollup tables'
// shape, so that a hundred answers to one unit on one day add one row per
// group. The bulk loader and the rebuild add them to the tables directly.
type sums struct {
	counts  map[countGroup]*groupDelta
	subtree map[subtreeGroup]*groupDelta
}

func newSums() *sums {
	return &sums{counts: map[countGroup]*groupDelta{}, subtree: map[subtreeGroup]*groupDelta{}}
}

// size is how many rollup rows the sums make.
func (d *sums) size() int { return len(d.counts) + len(d.subtree) }

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

// add counts one response. unitPath is the path of the response's unit;
// every unit on it gets a subtree row.
func (d *sums) add(r *domain.Response, unitPath string, elementOf map[string]string) {
	respondent, scores, ok := counted(r, elementOf, 1)
	if !ok {
		return
	}
	group := func(k countGroup) {
		if d.counts[k] == nil {
			d.counts[k] = &groupDelta{}
		}
		d.counts[k].add(respondent, scores)
	}
	group(countGroup{InstitutionID: r.InstitutionID, UnitID: r.UnitID, SurveyID: r.SurveyID, ServiceID: serviceOf(r), Day: r.Day})
	for i, v := range profileGroups(r) {
		if v != "" {
			// Profile breakdowns are never split by service: keying their
			// rows by it would multiply the rows a fold touches by the
			// number of services for nothing.
			group(countGroup{InstitutionID: r.InstitutionID, UnitID: r.UnitID, SurveyID: r.SurveyID, Day: r.Day, Dimension: Dimensions[i], Grp: v})
		}
	}
	for _, a := range pathIDs(unitPath) {
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

// The rollup tables and their keys. Reads use the *_all views, which add
// the rows that the deltas not folded yet stand for.
type rollupTable struct {
	table string
	key   string   // the table's primary key
	cols  []string // the table's columns: the key's, then values
}

// values are the columns a fold adds up.
func (t rollupTable) values() []string { return t.cols[strings.Count(t.key, ",")+1:] }

var rollupValues = append([]string{"n", "index_sum", "index_sum_sq"}, stdCols...)

var rollupTables = []rollupTable{
	{
		table: "rollup_counts",
		key:   "institution_id, unit_id, survey_id, service_id, day, dimension, grp, element, num, den",
		cols: append([]string{"institution_id", "unit_id", "survey_id", "service_id", "day", "dimension", "grp", "element", "num", "den"},
			rollupValues...),
	},
	{
		table: "rollup_subtrees",
		key:   "institution_id, subtree_id, day, element, num, den",
		cols:  append([]string{"institution_id", "subtree_id", "day", "element", "num", "den"}, rollupValues...),
	},
}

// rows returns the rows of each table of rollupTables, by its index.
func (d *sums) rows() [2][][]any {
	counts := make([][]any, 0, len(d.counts))
	for k, g := range d.counts {
		counts = append(counts, g.rows([]any{k.InstitutionID, k.UnitID, k.SurveyID, k.ServiceID, k.Day, k.Dimension, k.Grp})...)
	}
	subtrees := make([][]any, 0, len(d.subtree))
	for k, g := range d.subtree {
		subtrees = append(subtrees, g.rows([]any{k.InstitutionID, k.SubtreeID, k.Day})...)
	}
	return [2][][]any{counts, subtrees}
}

// addSums adds the sums to the rollup tables with multi-row upserts.
func (s *Store) addSums(ctx context.Context, d *sums) error {
	for i, rows := range d.rows() {
		t := rollupTables[i]
		if err := insertRows(ctx, s, t.table, t.cols, rows, t.onConflictAdd()); err != nil {
			return err
		}
	}
	return nil
}

// deltaKey is the group of responses one row of rollup_deltas counts: the
// same unit, survey, service, day and profile answers. The fold and the
// *_all views spread the row into the rollup rows it stands for: the
// unit's, one per profile answer, one per unit on the path (Subtrees).
type deltaKey struct {
	InstitutionID, UnitID, SurveyID, ServiceID, Day string
	Profile                                         [4]string // by Dimensions
	Subtrees                                        string    // JSON array of the ids on the unit's path
}

// deltas are the rollup changes of the responses of a batch, one row per
// group of responses, which the writer appends to rollup_deltas: a plain
// insert (a COPY on PostgreSQL), no row locks.
type deltas struct {
	groups   map[deltaKey]*groupDelta
	subtrees map[string]string // unit path → Subtrees, made once per path
}

func newDeltas() *deltas {
	return &deltas{groups: map[deltaKey]*groupDelta{}, subtrees: map[string]string{}}
}

// add adds one response (sign +1) or takes it away (sign -1). unitPath is
// the path of the response's unit.
func (d *deltas) add(r *domain.Response, unitPath string, elementOf map[string]string, sign int64) {
	respondent, scores, ok := counted(r, elementOf, sign)
	if !ok {
		return
	}
	subtrees, ok := d.subtrees[unitPath]
	if !ok {
		b, _ := json.Marshal(pathIDs(unitPath)) // strings only: cannot fail
		subtrees = string(b)
		d.subtrees[unitPath] = subtrees
	}
	k := deltaKey{InstitutionID: r.InstitutionID, UnitID: r.UnitID, SurveyID: r.SurveyID, ServiceID: serviceOf(r), Day: r.Day,
		Profile: profileGroups(r), Subtrees: subtrees}
	if d.groups[k] == nil {
		d.groups[k] = &groupDelta{}
	}
	d.groups[k].add(respondent, scores)
}

// deltaCols are the columns of rollup_deltas: the group, then the values
// of a rollup row.
var deltaCols = append([]string{"institution_id", "unit_id", "survey_id", "service_id", "day",
	"gender", "age", "education", "occupation", "subtrees", "element", "num", "den"}, rollupValues...)

func (d *deltas) rows() [][]any {
	rows := make([][]any, 0, len(d.groups))
	for k, g := range d.groups {
		rows = append(rows, g.rows([]any{k.InstitutionID, k.UnitID, k.SurveyID, k.ServiceID, k.Day,
			k.Profile[0], k.Profile[1], k.Profile[2], k.Profile[3], k.Subtrees})...)
	}
	return rows
}

// addDeltas appends the deltas to rollup_deltas with multi-row inserts.
func (s *Store) addDeltas(ctx context.Context, d *deltas) error {
	return insertRows(ctx, s, "rollup_deltas", deltaCols, d.rows(), "")
}

// insertRows writes rows with multi-row INSERTs, in chunks that stay under
// both databases' limits on bound parameters; suffix ends each statement
// ("" or an ON CONFLICT clause).
func insertRows(ctx context.Context, s *Store, table string, cols []string, rows [][]any, suffix string) error {
	chunk := rowsPerInsert(s.dialect, cols)
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
		sb.WriteString(suffix)
		if err := s.db.WithContext(ctx).Exec(sb.String(), args...).Error; err != nil {
			return translate(err, "rollups")
		}
	}
	return nil
}

// maxParams is how many parameters one statement of a multi-row insert
// takes. PostgreSQL allows 65,535. SQLite's driver (glebarez/go-sqlite)
// matches each parameter to its argument by a scan of the arguments, so a
// statement costs the square of its parameters: at 30,000 a rollup
// rebuild spent 93 % of its time there; 500 was the fastest of 200, 500,
// 2,000 and 30,000 (docs/performance.md).
func maxParams(dialect string) int {
	if dialect == Postgres {
		return 30000
	}
	return 500
}

// rowsPerInsert is how many rows of the columns cols one multi-row insert
// takes.
func rowsPerInsert(dialect string, cols []string) int {
	return max(1, maxParams(dialect)/len(cols))
}

// spread returns the SELECT of the rows of rollup table t that the rows
// of src (rollup_deltas or a query of its shape, with its alias) stand
// for. For rollup_counts: a unit's respondent row, and one per profile
// answer (never split by service). For rollup_subtrees: one per unit on
// the path. The views rollup_counts_all and rollup_subtrees_all add the
// same (migrations 202611300900_group_deltas and, summing per path first
// like the fold, 202612010900_subtree_view_per_path).
func spread(dialect string, t rollupTable, src string) string {
	values := "element, num, den, " + strings.Join(rollupValues, ", ")
	if t.table == "rollup_counts" {
		parts := []string{fmt.Sprintf("SELECT institution_id, unit_id, survey_id, service_id, day, '' AS dimension, '' AS grp, %s FROM %s", values, src)}
		for _, dim := range Dimensions {
			parts = append(parts, fmt.Sprintf("SELECT institution_id, unit_id, survey_id, '', day, '%[1]s', %[1]s, %[2]s FROM %[3]s WHERE %[1]s <> ''", dim, values, src))
		}
		return strings.Join(parts, " UNION ALL ")
	}
	dvalues := "d." + strings.ReplaceAll(values, ", ", ", d.")
	if dialect == Postgres {
		return fmt.Sprintf("SELECT d.institution_id, a.subtree_id::varchar(36) AS subtree_id, d.day, %s FROM %s d CROSS JOIN LATERAL json_array_elements_text(d.subtrees::json) AS a(subtree_id)", dvalues, src)
	}
	return fmt.Sprintf("SELECT d.institution_id, a.value AS subtree_id, d.day, %s FROM %s d, json_each(d.subtrees) a", dvalues, src)
}

// foldStatements returns the statements that fold rollup_deltas into the
// rollup tables; they run in one transaction. On PostgreSQL, DELETE …
// RETURNING hands over exactly the rows it deleted, so a batch committing
// meanwhile keeps its rows for the next fold. SQLite has one writer at a
// time, so it can sum first and delete after.
//
// The subtree rollups are summed per unit path before the path is split
// into its units: a fold then reads each delta row once for them, not
// once per unit on its path (a fold of 23,531 deltas of 20 units took
// 216 ms instead of 292, docs/performance.md).
func foldStatements(dialect string) []string {
	counts, subtrees := rollupTables[0], rollupTables[1]
	if dialect == Postgres {
		return []string{"WITH gone AS (DELETE FROM rollup_deltas RETURNING *), counts AS (" +
			counts.addFrom("("+spread(dialect, counts, "gone")+") s") + ") " +
			subtrees.addFrom("("+spread(dialect, subtrees, perPath("gone"))+") s")}
	}
	// WHERE true: SQLite's parser needs it before ON CONFLICT in an INSERT … SELECT.
	return []string{
		counts.addFrom("(" + spread(dialect, counts, "rollup_deltas") + ") s WHERE true"),
		subtrees.addFrom("(" + spread(dialect, subtrees, perPath("rollup_deltas")) + ") s WHERE true"),
		"DELETE FROM rollup_deltas",
	}
}

// perPath returns a query of the deltas of src summed per unit path: the
// columns spread reads for rollup_subtrees.
func perPath(src string) string {
	const key = "institution_id, subtrees, day, element, num, den"
	sums := make([]string, len(rollupValues))
	for i, c := range rollupValues {
		sums[i] = "SUM(" + c + ") AS " + c
	}
	return "(SELECT " + key + ", " + strings.Join(sums, ", ") + " FROM " + src + " GROUP BY " + key + ")"
}

// addFrom returns the statement that adds the rows of from, a table or a
// query of the rollup table's shape, to the rollup table.
func (t rollupTable) addFrom(from string) string {
	var sums []string
	for _, c := range t.values() {
		sums = append(sums, "SUM("+c+")")
	}
	return fmt.Sprintf("INSERT INTO %s (%s) SELECT %s, %s FROM %s GROUP BY %s",
		t.table, strings.Join(t.cols, ", "), t.key, strings.Join(sums, ", "), from, t.key) + t.onConflictAdd()
}

// onConflictAdd ends an INSERT into the rollup table: a row whose key is
// there already is added to it.
func (t rollupTable) onConflictAdd() string {
	var adds []string
	for _, c := range t.values() {
		adds = append(adds, fmt.Sprintf("%[1]s = %[2]s.%[1]s + excluded.%[1]s", c, t.table))
	}
	return fmt.Sprintf(" ON CONFLICT (%s) DO UPDATE SET %s", t.key, strings.Join(adds, ", "))
}

// foldSettings returns the PostgreSQL settings of a fold's transaction.
// The planner cannot know how many rows DELETE … RETURNING hands over:
// left alone it may sort them on their text key instead of hashing. (JIT
// is off on every connection, withPGOptions.)
func foldSettings(statementTimeout, workMem string) []string {
	return []string{
		"SET LOCAL statement_timeout = '" + statementTimeout + "'", "SET LOCAL work_mem = '" + workMem + "'",
		"SET LOCAL enable_sort = off",
	}
}

// foldLock is the PostgreSQL advisory lock a fold holds: one fold at a
// time across replicas, so that two folds never wait on each other's
// rows. A replica that finds it taken skips its turn.
const foldLock = 0x5375617261 // "Suara"

// foldDeltas folds rollup_deltas into the rollup tables; the caller
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
	folded := false
	err := s.InTx(ctx, func(tx *Store) error {
		if tx.dialect == Postgres {
			var mine bool
			if err := tx.db.WithContext(ctx).Raw("SELECT pg_try_advisory_xact_lock(?)", foldLock).Scan(&mine).Error; err != nil {
				return translate(err, "rollups")
			}
			if !mine {
				return nil // another replica is folding
			}
			folded = true
			// A fold after a long outage may take longer than a request's statement.
			for _, set := range foldSettings("60s", "64MB") {
				if err := tx.db.WithContext(ctx).Exec(set).Error; err != nil {
					return translate(err, "rollups")
				}
			}
		}
		return tx.foldDeltas(ctx)
	})
	if err != nil || !folded || s.writer == nil {
		return err // a Store bound to a transaction (no writer) cannot vacuum
	}
	// The fold deleted every delta row: vacuumed at once, the table keeps
	// the size of one fold's rows, and the batches' inserts reuse its
	// pages. Left to autovacuum (a minute away at best, and off on some
	// servers, this project's test machine among them), it grew by 37 MB
	// every 10 s at 7,500 responses/s, and each fold's DELETE read it all
	// (docs/performance.md). SKIP_LOCKED: a vacuum already running will do.
	// The fold has committed: a failed vacuum is only logged.
	if err := s.db.WithContext(ctx).Exec("VACUUM (SKIP_LOCKED) rollup_deltas").Error; err != nil {
		s.log.Warn("vacuum of rollup_deltas after a fold failed; the next fold tries again", "err", err)
	}
	return nil
}

// lockRollups keeps writers and compactors out of the rollups until the
// transaction ends (PostgreSQL; SQLite transactions already exclude
// every other writer): a rebuild or a recount sees a still picture.
func (s *Store) lockRollups(ctx context.Context) error {
	if s.dialect != Postgres {
		return nil
	}
	err := s.db.WithContext(ctx).Exec("LOCK TABLE rollup_deltas IN EXCLUSIVE MODE").Error
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
	Std        [36]int64 // the respondent row's u1_1 … u9_4
}

// sumsSelect is the SELECT list of a rollup read grouped by key and score:
// key AS key, the score's columns, and every value column summed. p is
// the table's alias with its dot, or "".
func sumsSelect(key, p string) string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "%s AS key, %[2]selement, %[2]snum, %[2]sden", key, p)
	for _, c := range rollupValues {
		fmt.Fprintf(&sb, ", SUM(%s%s)", p, c)
	}
	return sb.String()
}

// scanCounts runs a read selected by sumsSelect.
func scanCounts(db *gorm.DB) ([]countRow, error) {
	rows, err := db.Rows()
	if err != nil {
		return nil, translate(err, "rollups")
	}
	defer rows.Close()
	var out []countRow
	for rows.Next() {
		var r countRow
		dest := []any{&r.Key, &r.Element, &r.Num, &r.Den, &r.N, &r.IndexSum, &r.IndexSumSq}
		for i := range r.Std {
			dest = append(dest, &r.Std[i])
		}
		if err := rows.Scan(dest...); err != nil {
			return nil, translate(err, "rollups")
		}
		out = append(out, r)
	}
	return out, translate(rows.Err(), "rollups")
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
		rows, err = scanCounts(s.db.WithContext(ctx).Table("rollup_subtrees_all").Select(sumsSelect("subtree_id", "")).
			Where("institution_id IN ? AND subtree_id IN ? AND day BETWEEN ? AND ?", insts, ids, q.From, q.To).
			Group("subtree_id, element, num, den"))
		if err != nil {
			return nil, err
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
			Select(sumsSelect("?", "r."), u.ID).
			Where("r.institution_id = ? AND r.unit_id IN ? AND r.dimension = '' AND r.day BETWEEN ? AND ?", u.InstitutionID, ids, q.From, q.To)
		if q.SurveyID != "" {
			db = db.Where("r.survey_id = ?", q.SurveyID)
		}
		if q.ServiceID != "" {
			db = db.Where("r.service_id = ?", q.ServiceID)
		}
		part, err := scanCounts(db.Group("r.element, r.num, r.den"))
		if err != nil {
			return nil, err
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
			for i, n := range r.Std {
				if n != 0 {
					c.Add(stdElements[i/4], survey.Score{Num: i%4 + 1, Den: 1}, n)
				}
			}
		} else if r.N != 0 {
			c.Add(r.Element, survey.Score{Num: r.Num, Den: r.Den}, r.N)
		}
	}
}

// DailyCounts returns a unit subtree's counts per day with answers, for
// trend series.
func (s *Store) DailyCounts(ctx context.Context, unit domain.Unit, from, to string) (map[string]*survey.Counts, error) {
	rows, err := scanCounts(s.db.WithContext(ctx).Table("rollup_subtrees_all").Select(sumsSelect("day", "")).
		Where("institution_id = ? AND subtree_id = ? AND day BETWEEN ? AND ?", unit.InstitutionID, unit.ID, from, to).
		Group("day, element, num, den"))
	if err != nil {
		return nil, err
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
		db = db.Select(sumsSelect("r.service_id", "r.")).
			Where("r.dimension = ''").Group("r.service_id, r.element, r.num, r.den")
	} else {
		db = db.Select(sumsSelect("r.grp", "r.")).
			Where("r.dimension = ?", dimension).Group("r.grp, r.element, r.num, r.den")
	}
	if q.SurveyID != "" {
		db = db.Where("r.survey_id = ?", q.SurveyID)
	}
	rows, err := scanCounts(db)
	if err != nil {
		return nil, err
	}
	out := map[string]*survey.Counts{}
	fill(out, rows)
	return out, nil
}

// LastResponseDays returns, for each unit in a subtree whose own subtree
// ever received a response, the last day it did. It reads a few index
// entries per unit: the last day with respondents of the folded subtree
// rollups, and, per unit, of the deltas not folded yet, which count for
// every unit on that unit's path. That is exact because deltas only ever
// add respondents (an exclusion folds its own at once, in adjustRollups),
// so no delta can cancel a folded day.
func (s *Store) LastResponseDays(ctx context.Context, unit domain.Unit) (map[string]string, error) {
	var units []struct{ ID, Path string }
	err := s.db.WithContext(ctx).Model(&unitRow{}).Select("id, path").
		Where("institution_id = ? AND path LIKE ?", unit.InstitutionID, likePrefix(unit.Path)).Scan(&units).Error
	if err != nil {
		return nil, translate(err, "units")
	}
	ids := make([]string, len(units))
	paths := make(map[string]string, len(units))
	for i, u := range units {
		ids[i], paths[u.ID] = u.ID, u.Path
	}
	// The deltas first: a fold that commits between the two reads moves
	// rows from the first into the second, where they are read again
	// (a maximum does not mind), rather than out of sight of both.
	var unfolded []struct{ UnitID, Day string }
	err = s.db.WithContext(ctx).Raw(`SELECT unit_id, MAX(day) AS day FROM rollup_deltas
WHERE institution_id = ? AND unit_id IN ? AND element = '' AND n > 0 GROUP BY unit_id`, unit.InstitutionID, ids).Scan(&unfolded).Error
	if err != nil {
		return nil, translate(err, "rollups")
	}
	var folded []struct{ UnitID, Day string }
	err = s.db.WithContext(ctx).Raw(`SELECT u.id AS unit_id,
  COALESCE((SELECT r.day FROM rollup_subtrees r WHERE r.institution_id = u.institution_id AND r.subtree_id = u.id
     AND r.element = '' AND r.n > 0 ORDER BY r.day DESC LIMIT 1), '') AS day
FROM units u WHERE u.institution_id = ? AND u.id IN ?`, unit.InstitutionID, ids).Scan(&folded).Error
	if err != nil {
		return nil, translate(err, "rollups")
	}
	out := make(map[string]string, len(units))
	later := func(id, day string) { // "" is never kept
		if day > out[id] {
			out[id] = day
		}
	}
	for _, r := range folded {
		later(r.UnitID, r.Day)
	}
	for _, r := range unfolded {
		for _, id := range pathIDs(paths[r.UnitID]) {
			if _, inSubtree := paths[id]; inSubtree {
				later(id, r.Day)
			}
		}
	}
	return out, nil
}
