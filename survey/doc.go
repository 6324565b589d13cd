// Package survey computes the Indeks Kepuasan Masyarakat (IKM) as
// PermenPANRB 14/2017 prescribes. It does no I/O: counts go in, an index
// comes out, and the same code serves one unit, a subtree or a country.
//
// The methodology, with its sources and confidence tags, is
// /work/shared/skm-method.md (cited below as "skm-method.md §n"). Every
// number this package produces is traceable to a section there:
//
//   - NRR per element = Σ scores ÷ respondents who answered that element,
//     with per-element denominators (§3.2, vector S2).
//   - Weight w = 1/k over the k elements that have answers (R3, §3.6.2);
//     the printed 0,111 and 0,11 are only compatibility modes (§3.3).
//   - IKM = Σ NRR·w × 25, computed exactly with math/big and rounded half-up
//     to 2 dp exactly once, at the end (§3.6.4).
//   - The grade comes from the rounded value and the lower bounds of the
//     interval table (R5, R6, §3.4), which closes the table's 0.01 gaps.
//   - Several questions per element: a respondent's element score is the
//     mean of their answers, never rounded (§3.6.1); [Score] keeps it as an
//     exact fraction.
//   - Several units: pooled counts by default, the simple mean of unit IKMs
//     as an option (§7).
//   - Sample size: Krejcie–Morgan, formula rounded to the nearest integer
//     (§4.2); Slovin as an alternative.
//
// # Glossary
//
//   - unsur: element, one of the nine aspects of service (U1…U9).
//   - NRR (nilai rata-rata): an element's average score on the 1–4 scale.
//   - NRR tertimbang: NRR × weight (the weighted average).
//   - IKM (indeks kepuasan masyarakat): Σ NRR tertimbang, shown converted
//     to the 25–100 scale (× 25, "nilai interval konversi").
//   - mutu pelayanan: grade, A–D.
//   - kinerja unit pelayanan: performance, the grade's words
//     (Sangat Baik, Baik, Kurang Baik, Tidak Baik).
//   - responden: respondent; populasi: service users in the period.
//   - triwulan: quarter; semester: half year; tahunan: yearly.
//   - rencana tindak lanjut: follow-up plan, aimed at the weakest elements.
package survey
