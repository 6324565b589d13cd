// Periods the manager picks: a year, a quarter (triwulan), a semester, or a range.
export interface Period { kind: 'y' | 'q' | 's' | 'c'; y: number; n: number; from: string; to: string }

export const todayWIB = () => new Date(Date.now() + 7 * 3600_000).toISOString().slice(0, 10)
const pad = (n: number) => String(n).padStart(2, '0')
const lastDay = (y: number, m: number) => new Date(Date.UTC(y, m, 0)).getUTCDate()

export function resolve(p: Period): Period {
  const { kind, y, n } = p
  if (kind === 'y') return { ...p, from: `${y}-01-01`, to: `${y}-12-31` }
  if (kind === 'q') { const m = (n - 1) * 3 + 1; return { ...p, from: `${y}-${pad(m)}-01`, to: `${y}-${pad(m + 2)}-${lastDay(y, m + 2)}` } }
  if (kind === 's') return { ...p, from: n === 1 ? `${y}-01-01` : `${y}-07-01`, to: n === 1 ? `${y}-06-30` : `${y}-12-31` }
  return p
}

export const defaultPeriod = (): Period => resolve({ kind: 'y', y: +todayWIB().slice(0, 4), n: 1, from: '', to: '' })

// previous is the period of the same kind just before p.
export function previous(p: Period): Period {
  if (p.kind === 'y') return resolve({ ...p, y: p.y - 1 })
  if (p.kind === 'q') return resolve(p.n === 1 ? { ...p, y: p.y - 1, n: 4 } : { ...p, n: p.n - 1 })
  if (p.kind === 's') return resolve(p.n === 1 ? { ...p, y: p.y - 1, n: 2 } : { ...p, n: 1 })
  const f = Date.parse(p.from + 'T00:00:00Z'), t = Date.parse(p.to + 'T00:00:00Z')
  const len = t - f + 86400_000
  const iso = (ms: number) => new Date(ms).toISOString().slice(0, 10)
  return { ...p, from: iso(f - len), to: iso(f - 86400_000) }
}

// Krejcie–Morgan (χ² = 3.841, P = 0.5, d = 0.05), rounded to the nearest.
export function sampleSize(N: number): number {
  if (!(N > 0)) return 0
  return Math.round((3.841 * N * 0.25) / (0.0025 * (N - 1) + 3.841 * 0.25))
}
