// The app's state, mirrored in the address: /app/?u=<unit>&k=q&y=2026&n=4&tab=dash
import type { Unit, User } from './api'
import { defaultPeriod, resolve, type Period } from './period'

export type Tab = 'dash' | 'comments' | 'follow' | 'reports' | 'admin'
export const state = {
  user: null as User | null,
  units: [] as Unit[],
  unit: '' as string,
  period: defaultPeriod(),
  tab: 'dash' as Tab,
}

export function readURL() {
  const q = new URLSearchParams(location.search)
  if (q.get('u')) state.unit = q.get('u')!
  const tab = q.get('tab') as Tab
  if (['dash', 'comments', 'follow', 'reports', 'admin'].includes(tab)) state.tab = tab
  const k = q.get('k') as Period['kind']
  if (k && ['y', 'q', 's', 'c'].includes(k)) {
    const p: Period = { kind: k, y: +(q.get('y') || state.period.y), n: +(q.get('n') || 1), from: q.get('from') || '', to: q.get('to') || '' }
    if (k !== 'c' || (/^\d{4}-\d\d-\d\d$/.test(p.from) && /^\d{4}-\d\d-\d\d$/.test(p.to))) state.period = resolve(p)
  }
}

export function writeURL(push = false) {
  const p = state.period
  const q = new URLSearchParams({ u: state.unit, k: p.kind, tab: state.tab })
  if (p.kind === 'c') { q.set('from', p.from); q.set('to', p.to) } else { q.set('y', String(p.y)); if (p.kind !== 'y') q.set('n', String(p.n)) }
  const url = '/app/?' + q.toString()
  if (push) history.pushState(null, '', url)
  else history.replaceState(null, '', url)
}

export const unitById = (id: string) => state.units.find((u) => u.id === id)
export const childrenOf = (id: string | null) => state.units.filter((u) => u.parent_id === id)
export const canWrite = () => state.user?.role === 'admin' || state.user?.role === 'manager'

export interface Ctx { unit: Unit; period: Period; el: HTMLElement }
export const hooks = {
  navigate: (_: Partial<{ unit: string; tab: Tab; period: Period }>) => {},
  reloadUnits: async () => {},
}
