import { api, qs, type IKM, type SeriesPoint, type Child as ChildRow } from './api'
import { h, s, replace } from './dom'
import { t, num, int, date, monthLabel } from './i18n'
import { previous } from './period'
import { hooks, childrenOf, type Ctx } from './state'
import { gradeBadge, gradeCell, section, load, fmtIKM, signed } from './ui'

export function dashboard(ctx: Ctx) {
  const T = t()
  const card = h('div', { id: 'ikm-card', class: 'card ikm-card' })
  const elems = h('div', { id: 'elements' })
  const trendBody = h('div', { id: 'trend' })
  const kids = h('div', { id: 'children' })
  const bd = h('div', { id: 'breakdown' })
  let interval = ctx.period.kind === 'y' || ctx.period.kind === 's' ? 'month' : 'month'
  const intervalSel = h('select', { id: 'trend-interval' },
    h('option', { value: 'month', selected: interval === 'month' }, T.monthly), h('option', { value: 'quarter' }, T.quarterly))
  intervalSel.addEventListener('change', () => { interval = intervalSel.value; trend() })
  const dim = h('select', { id: 'breakdown-dim' }, (['gender', 'age', 'education', 'occupation', 'service'] as const).map((d) => h('option', { value: d }, T[d])))
  dim.addEventListener('change', () => breakdown())

  replace(ctx.el,
    h('div', { class: 'grid2' }, card, section(T.elements, 'h-elements', elems)),
    section(T.trend, 'h-trend', h('div', { class: 'inline' }, h('label', { for: 'trend-interval' }, T.interval), intervalSel), trendBody),
    childrenOf(ctx.unit.id).length ? section(T.children, 'h-children', kids) : null,
    section(T.breakdown, 'h-breakdown', h('div', { class: 'inline' }, h('label', { for: 'breakdown-dim' }, T.dimension), dim), bd))

  const base = `/api/v1/units/${ctx.unit.id}`
  const range = { from: ctx.period.from, to: ctx.period.to }
  const prevP = previous(ctx.period)

  load(card, async () => {
    const [cur, prev] = await Promise.all([
      api<IKM>('GET', `${base}/ikm${qs(range)}`),
      api<IKM>('GET', `${base}/ikm${qs({ from: prevP.from, to: prevP.to })}`).catch(() => null),
    ])
    return { cur, prev }
  }, ({ cur, prev }) => { renderElements(elems, cur); return ikmCard(cur, prev) })

  const trend = () => load(trendBody, () => api<{ items: SeriesPoint[] }>('GET', `${base}/ikm/series${qs({ interval, ...range })}`), (r) => trendChart(r.items, interval))
  trend()
  if (childrenOf(ctx.unit.id).length) load(kids, () => api<{ items: ChildRow[]; mean: any }>('GET', `${base}/ikm/children${qs(range)}`), (r) => childrenTable(r.items, range))
  const breakdown = () => load(bd, () => api<{ items: any[]; hidden_groups: number }>('GET', `${base}/breakdown${qs({ dimension: dim.value, ...range })}`), breakdownTable)
  breakdown()
}

function ikmCard(r: IKM, prev: IKM | null) {
  const T = t()
  const sm = r.sample
  const pct = sm.required > 0 ? Math.min(100, (sm.collected / sm.required) * 100) : 100
  const bar = h('div', { class: 'bar-fill' + (sm.adequate ? '' : ' short') })
  bar.style.width = pct.toFixed(1) + '%'
  const change = r.ikm != null && prev?.ikm != null ? r.ikm - prev.ikm : null
  return [
    h('h2', { id: 'h-ikm' }, T.ikm),
    h('p', { class: 'period-line' }, `${date(r.from)} – ${date(r.to)}`),
    r.ikm == null ? h('p', { id: 'ikm-empty' }, T.noData) : [
      h('p', { class: 'ikm-big' }, h('span', { id: 'ikm-value' }, fmtIKM(r.ikm)), ' ', gradeBadge(r.grade, r.performance, 'ikm-grade')),
      (T as any)['m_' + r.method] && h('p', { id: 'ikm-method', class: 'muted' }, (T as any)['m_' + r.method]),
      r.ci95 && h('p', { id: 'ikm-ci' }, `${T.ci}: ${num(r.ci95[0])} – ${num(r.ci95[1])}`),
      h('p', { id: 'ikm-change', class: change == null ? 'muted' : change >= 0 ? 'up' : 'down' },
        change == null ? T.noPrev : `${T.change}: ${signed(change)}`),
    ],
    h('p', { class: 'sample-line' }, h('span', { id: 'respondents' }, `${T.respondents}: ${int(r.respondents)}`), ' · ',
      T.ofRequired(int(sm.collected), int(sm.required))),
    h('div', { class: 'bar', role: 'progressbar', 'aria-label': T.respondents, 'aria-valuemin': '0', 'aria-valuemax': String(sm.required || 0), 'aria-valuenow': String(sm.collected) }, bar),
    sm.warning && h('p', { class: 'warning', id: 'sample-warning', role: 'status' }, sm.warning),
    r.warnings?.map((w) => h('p', { class: 'warning' }, w)),
    r.weakest?.length ? h('p', { id: 'weakest' }, `${T.weakest}: `, r.weakest.map((c) => {
      const e = r.elements.find((x) => x.code === c)
      return h('strong', { class: 'weak-code' }, e ? `${c} ${e.name}` : c)
    }).flatMap((x, i) => (i ? [', ', x] : [x]))) : null,
  ]
}

function renderElements(el: HTMLElement, r: IKM) {
  const T = t()
  const rows = [...r.elements].sort((a, b) => (b.nrr ?? -1) - (a.nrr ?? -1))
  replace(el, r.respondents === 0 ? h('p', null, T.noData) : h('ol', { class: 'hbars', id: 'element-list' }, rows.map((e) => {
    const fill = h('span', { class: `fill g-${e.grade ?? 'none'}` })
    fill.style.width = e.nrr == null ? '0' : (((e.nrr - 1) / 3) * 100).toFixed(1) + '%'
    return h('li', { 'data-element': e.code, class: e.priority ? 'priority' : '' },
      h('span', { class: 'lbl' }, h('b', null, e.code), ' ', e.name, e.priority && h('span', { class: 'tag' }, T.priority)),
      h('span', { class: 'track', 'aria-hidden': 'true' }, fill),
      h('span', { class: 'val' }, num(e.nrr), ' ', gradeCell(e.grade)))
  })))
}

function trendChart(items: SeriesPoint[], interval: string) {
  const T = t()
  const W = 640, H = 220, L = 40, R = 30, TOP = 12, B = 32
  const pts = items.map((p, i) => ({ ...p, i }))
  const defined = pts.filter((p) => p.ikm != null)
  const ys = defined.map((p) => p.ikm as number)
  let lo = Math.min(60, ...ys), hi = Math.max(100, ...ys)
  lo = Math.floor(lo / 10) * 10; hi = Math.ceil(hi / 10) * 10
  const x = (i: number) => L + (pts.length <= 1 ? (W - L - R) / 2 : (i * (W - L - R)) / (pts.length - 1))
  const y = (v: number) => TOP + ((hi - v) * (H - TOP - B)) / (hi - lo || 1)
  const label = (p: SeriesPoint) => (interval === 'quarter' ? `Q${Math.floor(+p.from.slice(5, 7) / 3) + 1} ${p.from.slice(2, 4)}` : monthLabel(p.from))
  const grid = []
  for (let v = lo; v <= hi; v += 10) grid.push(s('g', null, s('line', { x1: L, x2: W - R, y1: y(v), y2: y(v), class: 'grid' }), s('text', { x: L - 6, y: y(v) + 4, 'text-anchor': 'end' }, String(v))))
  const path = defined.map((p, k) => `${k ? 'L' : 'M'}${x(p.i).toFixed(1)},${y(p.ikm!).toFixed(1)}`).join('')
  const last = defined[defined.length - 1], before = defined[defined.length - 2]
  const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, class: 'chart', role: 'img', 'aria-labelledby': 'trend-desc' },
    grid,
    s('path', { d: path, class: 'line' }),
    defined.map((p) => s('circle', { cx: x(p.i), cy: y(p.ikm!), r: 4, class: 'dot' }, s('title', null, `${label(p)}: ${num(p.ikm)}`))),
    pts.map((p) => (pts.length <= 12 || p.i % Math.ceil(pts.length / 12) === 0) && s('text', { x: x(p.i), y: H - 10, 'text-anchor': 'middle' }, label(p))))
  return [
    h('p', { id: 'trend-desc', class: 'muted' }, `${T.trend}: ` + (defined.map((p) => `${label(p)} ${num(p.ikm)}`).join('; ') || T.noData)),
    svg,
    last && before ? h('p', { id: 'trend-change' }, `${T.change}: ${signed(last.ikm! - before.ikm!)} (${label(before)} → ${label(last)})`) : null,
  ]
}

type SortKey = 'name' | 'ikm' | 'respondents' | 'last_response_day'
function childrenTable(items: ChildRow[], range: { from: string; to: string }) {
  const T = t()
  if (!items.length) return h('p', { class: 'muted' }, '–')
  let key: SortKey = 'ikm', asc = true
  const weakest = new Map<string, string>()
  const table = h('table', { class: 'data', id: 'children-table' })
  const draw = () => {
    const rows = [...items].sort((a, b) => {
      const av = a[key] ?? (key === 'name' ? '' : -1), bv = b[key] ?? (key === 'name' ? '' : -1)
      const c = typeof av === 'string' ? av.localeCompare(bv as string, 'id') : (av as number) - (bv as number)
      return asc ? c : -c
    })
    const th = (k: SortKey, label: string) => h('th', { scope: 'col', 'aria-sort': key === k ? (asc ? 'ascending' : 'descending') : null },
      h('button', { type: 'button', class: 'sort', onclick: () => { asc = key === k ? !asc : k === 'name'; key = k; draw() } }, label, h('span', { 'aria-hidden': 'true' }, key === k ? (asc ? ' ▲' : ' ▼') : '')))
    replace(table,
      h('caption', { class: 'sr-only' }, T.children),
      h('thead', null, h('tr', null, th('name', T.name), th('ikm', 'IKM'), h('th', { scope: 'col' }, T.grade), th('respondents', T.respondents), h('th', { scope: 'col' }, T.weakest), th('last_response_day', T.lastResponse))),
      h('tbody', null, rows.map((c) => h('tr', { 'data-child': c.unit_id },
        h('th', { scope: 'row' }, h('a', { href: `/app/?u=${c.unit_id}`, class: 'drill', onclick: (e: Event) => { e.preventDefault(); hooks.navigate({ unit: c.unit_id }) } }, c.name)),
        h('td', { class: 'num' }, fmtIKM(c.ikm)), h('td', null, gradeCell(c.grade, c.performance)), h('td', { class: 'num' }, int(c.respondents)),
        h('td', { class: 'weak' }, weakest.get(c.unit_id) ?? '…'), h('td', null, date(c.last_response_day))))))
  }
  draw()
  // The weakest element of each child: one index request per child, in parallel.
  Promise.all(items.slice(0, 60).map(async (c) => {
    try {
      const r = await api<IKM>('GET', `/api/v1/units/${c.unit_id}/ikm${qs(range)}`)
      const e = r.weakest?.[0] ? r.elements.find((x) => x.code === r.weakest[0]) : null
      weakest.set(c.unit_id, e ? `${e.code} ${e.name} (${num(e.nrr)})` : '–')
    } catch { weakest.set(c.unit_id, '–') }
  })).then(draw)
  return h('div', { class: 'scroll' }, table)
}

function breakdownTable(r: { items: any[]; hidden_groups: number }) {
  const T = t()
  return [
    r.items.length ? h('table', { class: 'data' },
      h('thead', null, h('tr', null, h('th', { scope: 'col' }, T.group), h('th', { scope: 'col', class: 'num' }, T.respondents), h('th', { scope: 'col', class: 'num' }, 'IKM'), h('th', { scope: 'col' }, T.grade))),
      h('tbody', null, r.items.map((g) => h('tr', null, h('th', { scope: 'row' }, g.label || g.group), h('td', { class: 'num' }, int(g.respondents)), h('td', { class: 'num' }, fmtIKM(g.ikm)), h('td', null, gradeCell(g.grade, g.performance))))))
      : h('p', { class: 'muted' }, T.noData),
    r.hidden_groups ? h('p', { class: 'muted' }, T.hiddenGroups(r.hidden_groups)) : null,
  ]
}
