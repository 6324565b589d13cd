package load

import (
	"context"
	"fmt"
	"strings"

	"suara/store"
)

// Report is the verdict of Verify. Problems is empty when the database
// holds exactly what the server acknowledged.
type Report struct {
	Acknowledged   int      // acknowledged submissions checked
	StoredUnacked  int      // submissions never acknowledged but stored once (a reply lost on the way: allowed)
	RollupRows     int      // rollup rows compared
	Problems       []string // each names the client id or rollup row at fault
	MissingClients []string // acknowledged client ids with no stored response
}

// OK reports whether nothing was wrong.
func (r *Report) OK() bool { return len(r.Problems) == 0 }

func (r *Report) problem(format string, args ...any) {
	r.Problems = append(r.Problems, fmt.Sprintf(format, args...))
}

// String is the human summary.
func (r *Report) String() string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "verify: %d acknowledged submissions, %d stored without acknowledgement, %d rollup rows compared\n",
		r.Acknowledged, r.StoredUnacked, r.RollupRows)
	if r.OK() {
		sb.WriteString("verify: OK — every acknowledged client_id is stored exactly once with its answers, no duplicates, rollups equal a recount\n")
		return sb.String()
	}
	fmt.Fprintf(&sb, "verify: FAILED — %d problems\n", len(r.Problems))
	for i, p := range r.Problems {
		if i == 50 {
			fmt.Fprintf(&sb, "  … and %d more\n", len(r.Problems)-50)
			break
		}
		sb.WriteString("  " + p + "\n")
	}
	return sb.String()
}

// Verify checks the database against a run's acknowledgements:
//   - every acknowledged client_id is stored exactly once, under the
//     response id the server answered, with every answer sent;
//   - a client_id that was sent but not acknowledged is stored at most once;
//   - no client_id is stored twice in an institution (anywhere);
//   - the rollups equal a recount from the responses.
//
// Run it when no submissions are in flight: the recount would see them.
func Verify(ctx context.Context, st *store.Store, acks []Ack) (*Report, error) {
	rep := &Report{}
	inst := map[string]string{} // survey id → institution id
	var keys []store.ClientKey
	for _, a := range acks {
		if _, ok := inst[a.SurveyID]; !ok {
			sv, err := st.FindSurvey(ctx, a.SurveyID)
			if err != nil {
				return nil, fmt.Errorf("survey %s of client %s: %w", a.SurveyID, a.ClientID, err)
			}
			inst[a.SurveyID] = sv.InstitutionID
		}
		keys = append(keys, store.ClientKey{InstitutionID: inst[a.SurveyID], ClientID: a.ClientID})
	}
	stored, err := st.StoredClients(ctx, keys)
	if err != nil {
		return nil, err
	}
	byClient := map[store.ClientKey][]store.StoredClient{}
	for _, s := range stored {
		k := store.ClientKey{InstitutionID: s.InstitutionID, ClientID: s.ClientID}
		byClient[k] = append(byClient[k], s)
	}
	for i, a := range acks {
		got := byClient[keys[i]]
		if !a.Acked {
			switch len(got) {
			case 0:
			case 1:
				rep.StoredUnacked++
			default:
				rep.problem("client_id %s (not acknowledged) is stored %d times", a.ClientID, len(got))
			}
			continue
		}
		rep.Acknowledged++
		switch {
		case len(got) == 0:
			rep.problem("client_id %s was acknowledged as response %s but is not stored", a.ClientID, a.ResponseID)
			rep.MissingClients = append(rep.MissingClients, a.ClientID)
		case len(got) > 1:
			rep.problem("client_id %s is stored %d times", a.ClientID, len(got))
		case got[0].ResponseID != a.ResponseID:
			rep.problem("client_id %s was acknowledged as response %s but is stored as %s", a.ClientID, a.ResponseID, got[0].ResponseID)
		case got[0].Answers != a.Answers:
			rep.problem("client_id %s (response %s) has %d answers stored, %d were sent", a.ClientID, a.ResponseID, got[0].Answers, a.Answers)
		case got[0].Listed != a.Answers:
			rep.problem("client_id %s (response %s) has %d answers in its answer list, %d were sent", a.ClientID, a.ResponseID, got[0].Listed, a.Answers)
		}
	}
	dups, err := st.DuplicateClientIDs(ctx)
	if err != nil {
		return nil, err
	}
	for _, d := range dups {
		rep.problem("client_id %s is stored more than once in one institution", d)
	}
	before, recount, err := st.RecountRollups(ctx)
	if err != nil {
		return nil, err
	}
	rep.RollupRows = len(recount)
	compareRollups(rep, before, recount)
	return rep, nil
}

// compareRollups reports every rollup row that differs from the recount.
func compareRollups(rep *Report, stored, recount []store.RollupRow) {
	key := func(r store.RollupRow) string {
		return strings.Join([]string{r.InstitutionID, r.UnitID, r.SurveyID, r.ServiceID, r.Day, r.Dimension, r.Grp, r.Element,
			fmt.Sprint(r.Num), fmt.Sprint(r.Den)}, "|")
	}
	want := make(map[string]store.RollupRow, len(recount))
	for _, r := range recount {
		want[key(r)] = r
	}
	seen := map[string]bool{}
	for _, r := range stored {
		k := key(r)
		seen[k] = true
		w, ok := want[k]
		switch {
		case !ok:
			rep.problem("rollup %s: stored n=%d index_sum=%d, recount has no such row", describe(r), r.N, r.IndexSum)
		case w.N != r.N || w.IndexSum != r.IndexSum || w.IndexSumSq != r.IndexSumSq:
			rep.problem("rollup %s: stored n=%d index_sum=%d index_sum_sq=%d, recount n=%d index_sum=%d index_sum_sq=%d",
				describe(r), r.N, r.IndexSum, r.IndexSumSq, w.N, w.IndexSum, w.IndexSumSq)
		}
	}
	for _, r := range recount {
		if !seen[key(r)] {
			rep.problem("rollup %s: recount n=%d index_sum=%d, not stored", describe(r), r.N, r.IndexSum)
		}
	}
}

func describe(r store.RollupRow) string {
	if r.Dimension == "subtree" {
		return fmt.Sprintf("subtree=%s day=%s element=%q num=%d den=%d", r.UnitID, r.Day, r.Element, r.Num, r.Den)
	}
	return fmt.Sprintf("unit=%s survey=%s service=%q day=%s dimension=%q group=%q element=%q num=%d den=%d",
		r.UnitID, r.SurveyID, r.ServiceID, r.Day, r.Dimension, r.Grp, r.Element, r.Num, r.Den)
}
