package store

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"

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

// apply upserts the deltas. Keys are sorted so that concurrent writers
// (several replicas) lock rows in one order and cannot deadlock.
func (s *Store) applyDeltas(ctx context.Context, d *deltas) error {
	countKeys := make([]rollupKey, 0, len(d.counts))
	for k := range d.counts {
		countKeys = append(countKeys, k)
	}
	sort.Slice(countKeys, func(i, j int) bool { return lessCount(countKeys[i], countKeys[j]) })
	const countCols = "institution_id, unit_id, survey_id, service_id, day, dimension, grp, element, num, den, n, index_sum, index_sum_sq"
	err := upsertChunks(ctx, s, "rollup_counts", countCols,
		"institution_id, unit_id, survey_id, service_id, day, dimension, grp, element, num, den", len(countKeys), 13,
		func(i int) []any {
			k := countKeys[i]
			x := d.counts[k]
			return []any{k.InstitutionID, k.UnitID, k.SurveyID, k.ServiceID, k.Day, k.Dimension, k.Grp, k.Element, k.Num, k.Den, x.N, x.IndexSum, x.IndexSumSq}
		})
	if err != nil {
		return err
	}
	subKeys := make([]subtreeKey, 0, len(d.subtree))
	for k := range d.subtree {
		subKeys = append(subKeys, k)
	}
	sort.Slice(subKeys, func(i, j int) bool { return lessSubtree(subKeys[i], subKeys[j]) })
	return upsertChunks(ctx, s, "rollup_subtrees", "institution_id, subtree_id, day, element, num, den, n, index_sum, index_sum_sq",
		"institution_id, subtree_id, day, element, num, den", len(subKeys), 9,
		func(i int) []any {
			k := subKeys[i]
			x := d.subtree[k]
			return []any{k.InstitutionID, k.SubtreeID, k.Day, k.Element, k.Num, k.Den, x.N, x.IndexSum, x.IndexSumSq}
		})
}

// upsertChunks writes rows with a multi-row INSERT … ON CONFLICT DO UPDATE
// that adds to the counts, in chunks that stay under both databases'
// limits on bound parameters.
func upsertChunks(ctx context.Context, s *Store, table, cols, key string, n, width int, row func(int) []any) error {
	const chunk = 500
	tuple := "(" + strings.TrimSuffix(strings.Repeat("?,", width), ",") + ")"
	for start := 0; start < n; start += chunk {
		end := min(start+chunk, n)
		var sb strings.Builder
		fmt.Fprintf(&sb, "INSERT INTO %s (%s) VALUES ", table, cols)
		args := make([]any, 0, (end-start)*width)
		for i := start; i < end; i++ {
			if i > start {
				sb.WriteByte(',')
			}
			sb.WriteString(tuple)
			args = append(args, row(i)...)
		}
		fmt.Fprintf(&sb, " ON CONFLICT (%s) DO UPDATE SET n = %s.n + excluded.n, index_sum = %s.index_sum + excluded.index_sum, index_sum_sq = %s.index_sum_sq + excluded.index_sum_sq",
			key, table, table, table)
		if err := s.db.WithContext(ctx).Exec(sb.String(), args...).Error; err != nil {
			return translate(err, "rollups")
		}
	}
	return nil
}

func lessCount(a, b rollupKey) bool {
	if a.UnitID != b.UnitID {
		return a.UnitID < b.UnitID
	}
	if a.SurveyID != b.SurveyID {
		return a.SurveyID < b.SurveyID
	}
	if a.ServiceID != b.ServiceID {
		return a.ServiceID < b.ServiceID
	}
	if a.Day != b.Day {
		return a.Day < b.Day
	}
	if a.Dimension != b.Dimension {
		return a.Dimension < b.Dimension
	}
	if a.Grp != b.Grp {
		return a.Grp < b.Grp
	}
	if a.Element != b.Element {
		return a.Element < b.Element
	}
	if a.Num != b.Num {
		return a.Num < b.Num
	}
	return a.Den < b.Den
}

func lessSubtree(a, b subtreeKey) bool {
	if a.SubtreeID != b.SubtreeID {
		return a.SubtreeID < b.SubtreeID
	}
	if a.Day != b.Day {
		return a.Day < b.Day
	}
	if a.Element != b.Element {
		return a.Element < b.Element
	}
	if a.Num != b.Num {
		return a.Num < b.Num
	}
	return a.Den < b.Den
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
		err = s.db.WithContext(ctx).Table("rollup_subtrees").
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
		db := s.db.WithContext(ctx).Table("rollup_counts AS r").
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
	err := s.db.WithContext(ctx).Table("rollup_subtrees").
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
	db := s.db.WithContext(ctx).Table("rollup_counts AS r").
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
	err := s.db.WithContext(ctx).Table("rollup_counts AS r").Select("r.unit_id, MAX(r.day) AS day").
		Joins("JOIN units ON units.id = r.unit_id").
		Where("r.institution_id = ? AND units.path LIKE ? AND r.dimension = '' AND r.element = '' AND r.n > 0", unit.InstitutionID, likePrefix(unit.Path)).
		Group("r.unit_id").Scan(&rows).Error
	if err != nil {
		return nil, translate(err, "rollups")
	}
	out := make(map[string]string, len(rows))
	for _, r := range rows {
		out[r.UnitID] = r.Day
	}
	return out, nil
}
