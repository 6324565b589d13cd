import './app.css'
import { api, token, setUnauthorized, ApiError, type Unit, type User } from './api'
import { h, replace, $ } from './dom'
import { t, lang, setLang } from './i18n'
import { resolve, todayWIB, type Period } from './period'
import { state, readURL, writeURL, unitById, hooks, type Tab } from './state'
import { dashboard } from './dashboard'
import { comments } from './comments'
import { followups } from './followups'
import { reports } from './reports'
import { admin } from './admin'

const root = $('root')!

setUnauthorized(() => { token.clear(); state.user = null; showLogin() })

async function start() {
  document.documentElement.lang = lang()
  readURL()
  try {
    const me = await api<{ user: User }>('GET', '/api/v1/auth/me')
    state.user = me.user
    await loadUnits()
    render()
  } catch (e) {
    // 401: onUnauthorized has shown the login form (no token and no session cookie).
    if (!(e instanceof ApiError && e.status === 401)) showFatal(e)
  }
}

function showFatal(e: unknown) {
  replace(root, h('main', { id: 'main', class: 'login' }, h('p', { role: 'alert' }, String((e as Error).message)),
    h('button', { type: 'button', onclick: () => location.reload() }, t().retry)))
}

export async function loadUnits() {
  const all: Unit[] = []
  let cursor = ''
  do {
    const r = await api<{ items: Unit[]; next_cursor: string }>('GET', `/api/v1/units?limit=500${cursor ? '&cursor=' + encodeURIComponent(cursor) : ''}`)
    all.push(...r.items)
    cursor = r.next_cursor
  } while (cursor)
  all.sort((a, b) => a.name.localeCompare(b.name, 'id'))
  state.units = all
  if (!unitById(state.unit)) state.unit = roots()[0]?.id ?? ''
}

const roots = () => state.units.filter((u) => !u.parent_id || !unitById(u.parent_id))

function langButton() {
  return h('button', { type: 'button', class: 'link', lang: lang() === 'id' ? 'en' : 'id', 'aria-label': t().switchLangLabel, onclick: () => { setLang(lang() === 'id' ? 'en' : 'id'); state.user ? render() : showLogin() } }, t().switchLang)
}

function showLogin() {
  document.title = t().app
  const err = h('p', { id: 'login-error', class: 'error', role: 'alert' })
  const email = h('input', { id: 'login-email', type: 'email', name: 'email', autocomplete: 'username', required: true })
  const pw = h('input', { id: 'login-password', type: 'password', name: 'password', autocomplete: 'current-password', required: true })
  const form = h('form', { class: 'card login-form', 'aria-labelledby': 'login-h' },
    h('h1', { id: 'login-h' }, t().loginTitle),
    h('label', { for: 'login-email' }, t().email), email,
    h('label', { for: 'login-password' }, t().password), pw,
    err,
    h('button', { id: 'login-submit', type: 'submit', class: 'primary' }, t().login))
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault()
    err.textContent = ''
    try {
      const r = await api<{ token: string; user: User }>('POST', '/api/v1/auth/login', { email: email.value.trim(), password: pw.value })
      token.set(r.token)
      state.user = r.user
      await loadUnits()
      render()
    } catch (e) {
      err.textContent = e instanceof ApiError && (e.status === 401 || e.status === 422) ? t().loginFailed : (e as Error).message
    }
  })
  replace(root, h('header', { class: 'top' }, h('span', { class: 'brand' }, 'Suara'), h('span', { class: 'spacer' }), langButton()),
    h('main', { id: 'main', class: 'login' }, form))
  email.focus()
}

async function logout() {
  try { await api('POST', '/api/v1/auth/logout') } catch { /* the token is dropped anyway */ }
  token.clear()
  state.user = null
  showLogin()
}

// ---- the shell -------------------------------------------------------------

const TABS: [Tab, () => string][] = [
  ['dash', () => t().tDash], ['comments', () => t().tComments], ['follow', () => t().tFollow], ['reports', () => t().tReports], ['admin', () => t().tAdmin],
]

export function navigate(patch: Partial<{ unit: string; tab: Tab; period: Period }>) {
  const active = document.activeElement?.id
  Object.assign(state, patch)
  writeURL(true)
  render()
  // Keep the keyboard where it was: the same control if it is still there,
  // the chosen tab, or the unit's heading after moving to another unit.
  const again = active ? document.getElementById(active) : null
  const target = patch.tab ? document.getElementById(`tab-${patch.tab}`) : patch.unit ? document.getElementById('unit-name') : again
  target?.focus()
}

function tree(parent: string | null, list: Unit[]): HTMLElement | null {
  if (!list.length) return null
  return h('ul', null,
    list.map((u) => {
      const kids = state.units.filter((c) => c.parent_id === u.id)
      return h('li', null,
        h('button', { type: 'button', class: 'unit-btn', 'data-unit': u.id, 'aria-current': u.id === state.unit ? 'page' : null, onclick: () => navigate({ unit: u.id }) },
          u.name, h('span', { class: 'code' }, u.code)),
        tree(u.id, kids))
    }))
}

function periodPicker() {
  const p = state.period
  const kind = h('select', { id: 'period-kind' },
    ([['y', t().year], ['s', t().semester], ['q', t().quarter], ['c', t().custom]] as const).map(([v, l]) => h('option', { value: v, selected: p.kind === v }, l)))
  const thisYear = +todayWIB().slice(0, 4)
  const years: number[] = []
  for (let y = thisYear + 1; y >= thisYear - 6; y--) years.push(y)
  const year = h('select', { id: 'period-year' }, years.map((y) => h('option', { value: y, selected: y === p.y }, String(y))))
  const nOpts = (k: string) => (k === 'q' ? ['Q1', 'Q2', 'Q3', 'Q4'] : ['S1', 'S2'])
  const n = h('select', { id: 'period-n' }, nOpts(p.kind).map((l, i) => h('option', { value: i + 1, selected: p.n === i + 1 }, l)))
  const from = h('input', { id: 'period-from', type: 'date', value: p.from })
  const to = h('input', { id: 'period-to', type: 'date', value: p.to })
  const apply = () => {
    const k = kind.value as Period['kind']
    const next: Period = k === 'c'
      ? { kind: 'c', y: p.y, n: 1, from: from.value || p.from, to: to.value || p.to }
      : resolve({ kind: k, y: +year.value, n: Math.min(+n.value || 1, k === 's' ? 2 : 4), from: '', to: '' })
    if (next.from > next.to) return
    navigate({ period: next })
  }
  for (const el of [kind, year, n]) el.addEventListener('change', apply)
  const custom = p.kind === 'c'
  return h('form', { class: 'period', 'aria-label': t().period, onsubmit: (e: Event) => { e.preventDefault(); apply() } },
    h('div', { class: 'field' }, h('label', { for: 'period-kind' }, t().kind), kind),
    !custom && h('div', { class: 'field' }, h('label', { for: 'period-year' }, t().year), year),
    (p.kind === 'q' || p.kind === 's') && h('div', { class: 'field' }, h('label', { for: 'period-n' }, p.kind === 'q' ? t().quarter : t().semester), n),
    custom && h('div', { class: 'field' }, h('label', { for: 'period-from' }, t().from), from),
    custom && h('div', { class: 'field' }, h('label', { for: 'period-to' }, t().to), to),
    custom && h('button', { type: 'submit' }, t().apply))
}

function breadcrumbs(): HTMLElement {
  const path: Unit[] = []
  for (let u = unitById(state.unit); u; u = u.parent_id ? unitById(u.parent_id) : undefined) path.unshift(u)
  return h('nav', { 'aria-label': 'Breadcrumb', class: 'crumbs' }, h('ol', null, path.map((u, i) =>
    h('li', null, i === path.length - 1 ? h('span', { 'aria-current': 'page' }, u.name) : h('a', { href: `/app/?u=${u.id}`, onclick: (e: Event) => { e.preventDefault(); navigate({ unit: u.id }) } }, u.name)))))
}

export function render() {
  const T = t()
  document.title = T.app
  document.documentElement.lang = lang()
  writeURL()
  const unit = unitById(state.unit)
  const content = h('div', { id: 'tab-panel', role: 'tabpanel', 'aria-labelledby': `tab-${state.tab}`, tabindex: '-1' })
  replace(root,
    h('a', { class: 'skip', href: '#main' }, T.skip),
    h('header', { class: 'top' },
      h('span', { class: 'brand' }, 'Suara'),
      h('span', { class: 'spacer' }),
      h('span', { class: 'who' }, state.user?.email ?? ''),
      langButton(),
      h('button', { type: 'button', id: 'logout', class: 'link', onclick: logout }, T.logout)),
    h('div', { class: 'layout' },
      h('nav', { class: 'sidebar', 'aria-label': T.units },
        h('details', { class: 'tree', open: innerWidth > 1000 }, h('summary', null, T.units),
          state.units.length ? tree(null, roots()) : h('p', null, T.noUnits))),
      h('main', { id: 'main', tabindex: '-1' },
        unit ? [
          breadcrumbs(),
          h('h1', { id: 'unit-name', tabindex: '-1' }, unit.name),
          periodPicker(),
          h('div', { role: 'tablist', class: 'tabs', 'aria-label': T.which },
            TABS.filter(([k]) => k !== 'admin' || state.user?.role !== 'viewer').map(([k, l]) =>
              h('button', { type: 'button', role: 'tab', id: `tab-${k}`, 'aria-selected': String(state.tab === k), 'aria-controls': 'tab-panel', tabindex: state.tab === k ? '0' : '-1',
                onclick: () => navigate({ tab: k }), onkeydown: tabKeys }, l()))),
          content,
        ] : h('p', null, T.noUnits))))
  if (!unit) return
  const ctx = { unit, period: state.period, el: content }
  const view = { dash: dashboard, comments, follow: followups, reports, admin }[state.tab]
  view(ctx)
}

function tabKeys(e: Event) {
  const ev = e as KeyboardEvent
  if (ev.key !== 'ArrowRight' && ev.key !== 'ArrowLeft') return
  const tabs = [...document.querySelectorAll<HTMLButtonElement>('[role=tab]')]
  const i = tabs.indexOf(ev.target as HTMLButtonElement)
  const next = tabs[(i + (ev.key === 'ArrowRight' ? 1 : tabs.length - 1)) % tabs.length]
  next.focus()
  next.click()
}

hooks.navigate = navigate
hooks.reloadUnits = async () => { await loadUnits(); render() }
addEventListener('popstate', () => { if (state.user) { readURL(); render() } })
start()
