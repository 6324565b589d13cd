import { api, qs, type Survey, type User } from './api'
import { h, replace } from './dom'
import { t, int, date } from './i18n'
import { sampleSize, todayWIB } from './period'
import { state, hooks, canWrite, type Ctx } from './state'
import { section, load, flash } from './ui'
import { surveyLinks } from './reports'

const ZONES = ['Asia/Jakarta', 'Asia/Makassar', 'Asia/Jayapura']
let uid = 0
function field(label: string, input: HTMLElement) {
  const id = input.id || `f${++uid}`
  input.id = id
  return h('div', { class: 'field' }, h('label', { for: id }, label), input)
}

export function admin(ctx: Ctx) {
  const T = t()
  if (!canWrite()) { replace(ctx.el, h('p', null, '–')); return }
  const isAdmin = state.user?.role === 'admin'
  replace(ctx.el, unitsCard(ctx), servicesCard(ctx), surveysCard(ctx), isAdmin ? usersCard() : null, isAdmin ? templatesCard() : null, isAdmin ? auditCard() : null)
  void T
}

function unitsCard(ctx: Ctx) {
  const T = t()
  const msg = h('p', { role: 'status' })
  const name = h('input', { required: true, maxlength: 200, id: 'nu-name' })
  const code = h('input', { required: true, maxlength: 64, pattern: '[A-Za-z0-9][A-Za-z0-9._-]*', id: 'nu-code' })
  const tz = h('select', { id: 'nu-tz' }, ZONES.map((z) => h('option', { value: z, selected: z === ctx.unit.timezone }, z)))
  const add = h('form', { class: 'row' }, field(T.unitName, name), field(T.code, code), field(T.timezone, tz), h('button', { type: 'submit' }, T.create))
  add.addEventListener('submit', async (e) => {
    e.preventDefault()
    try {
      await api('POST', '/api/v1/units', { name: name.value.trim(), code: code.value.trim(), timezone: tz.value, parent_id: ctx.unit.id })
      flash(msg, T.created)
      await hooks.reloadUnits()
    } catch (err) { flash(msg, (err as Error).message, true) }
  })
  const rn = h('input', { value: ctx.unit.name, required: true, id: 'ru-name' })
  const rename = h('form', { class: 'row' }, field(T.rename, rn), h('button', { type: 'submit' }, T.save))
  rename.addEventListener('submit', async (e) => {
    e.preventDefault()
    try { await api('PATCH', `/api/v1/units/${ctx.unit.id}`, { name: rn.value.trim() }); await hooks.reloadUnits() } catch (err) { flash(msg, (err as Error).message, true) }
  })
  const del = h('button', { type: 'button', class: 'danger' }, T.del)
  del.addEventListener('click', async () => {
    if (!confirm(T.confirmDel)) return
    try { await api('DELETE', `/api/v1/units/${ctx.unit.id}`); state.unit = ctx.unit.parent_id ?? ''; await hooks.reloadUnits() } catch (err) { flash(msg, (err as Error).message, true) }
  })
  return section(T.aUnits, 'h-a-units', h('h3', null, T.aNewUnit), add, rename, del, msg)
}

function servicesCard(ctx: Ctx) {
  const T = t()
  const list = h('div')
  const msg = h('p', { role: 'status' })
  const name = h('input', { required: true, maxlength: 200 })
  const form = h('form', { class: 'row' }, field(T.aNewService, name), h('button', { type: 'submit' }, T.create))
  const refresh = () => load(list, () => api<{ items: { id: string; name: string; code: string }[] }>('GET', `/api/v1/units/${ctx.unit.id}/services?limit=500`),
    (r) => r.items.length ? h('ul', { class: 'plain' }, r.items.map((s) => h('li', null, s.name, ' ', h('span', { class: 'code' }, s.code)))) : h('p', { class: 'muted' }, '–'))
  form.addEventListener('submit', async (e) => {
    e.preventDefault()
    try { await api('POST', `/api/v1/units/${ctx.unit.id}/services`, { name: name.value.trim() }); name.value = ''; flash(msg, T.created); refresh() } catch (err) { flash(msg, (err as Error).message, true) }
  })
  refresh()
  return section(T.aServices, 'h-a-services', list, form, msg)
}

function surveysCard(ctx: Ctx) {
  const T = t()
  const list = h('div', { id: 'admin-surveys' })
  const msg = h('p', { role: 'status' })
  const title = h('input', { required: true, maxlength: 200, id: 'ns-title' })
  const tpl = h('select', { id: 'ns-template', required: true })
  const starts = h('input', { type: 'date', required: true, value: todayWIB(), id: 'ns-start' })
  const ends = h('input', { type: 'date', required: true, value: `${todayWIB().slice(0, 4)}-12-31`, id: 'ns-end' })
  const pop = h('input', { type: 'number', min: 0, step: 1, value: 1000, id: 'ns-pop', inputmode: 'numeric' })
  const live = h('p', { id: 'ns-sample', 'aria-live': 'polite' })
  const upd = () => { live.textContent = T.sampleLive(int(sampleSize(+pop.value))) }
  pop.addEventListener('input', upd)
  upd()
  api<{ items: { id: string; name: string; latest_version_id: string; code: string }[] }>('GET', '/api/v1/templates?limit=500').then((r) =>
    replace(tpl, r.items.map((x) => h('option', { value: x.latest_version_id }, `${x.name} (${x.code})`))), () => {})
  const form = h('form', { class: 'stack' }, h('h3', null, T.aNewSurvey), field(T.title, title), field(T.template, tpl),
    h('div', { class: 'row' }, field(T.startsOn, starts), field(T.endsOn, ends), field(T.population, pop)), live, h('button', { type: 'submit', class: 'primary' }, T.create))
  form.addEventListener('submit', async (e) => {
    e.preventDefault()
    try {
      await api('POST', '/api/v1/surveys', { unit_id: ctx.unit.id, template_version_id: tpl.value, title: title.value.trim(), starts_on: starts.value, ends_on: ends.value, population: +pop.value })
      flash(msg, T.created)
      refresh()
    } catch (err) { flash(msg, (err as Error).message, true) }
  })
  const refresh = () => load(list, () => api<{ items: Survey[] }>('GET', `/api/v1/surveys${qs({ unit_id: ctx.unit.id, limit: 500 })}`), (r) =>
    surveyLinks(r.items, (sv) => sv.closed ? null : h('button', { type: 'button', class: 'small', 'aria-label': `${T.close}: ${sv.title}`, onclick: async () => {
      try { await api('PATCH', `/api/v1/surveys/${sv.id}`, { closed: true }); refresh() } catch (err) { flash(msg, (err as Error).message, true) }
    } }, T.close)))
  refresh()
  return section(T.aSurveys, 'h-a-surveys', list, form, msg)
}

function usersCard() {
  const T = t()
  const list = h('div')
  const msg = h('p', { role: 'status' })
  const email = h('input', { type: 'email', required: true })
  const pw = h('input', { type: 'password', required: true, minlength: 10, autocomplete: 'new-password' })
  const role = h('select', null, (['manager', 'viewer', 'admin'] as const).map((r) => h('option', { value: r }, T[r])))
  const scope = h('select', { multiple: true, size: 4 }, state.units.map((u) => h('option', { value: u.id, selected: u.id === state.unit }, '\u00a0'.repeat(u.depth * 2) + u.name)))
  const form = h('form', { class: 'stack' }, h('h3', null, T.aNewUser), h('div', { class: 'row' }, field(T.email, email), field(T.password, pw), field(T.role, role)), field(T.scope, scope), h('button', { type: 'submit' }, T.create))
  form.addEventListener('submit', async (e) => {
    e.preventDefault()
    try {
      await api('POST', '/api/v1/users', { email: email.value.trim(), password: pw.value, role: role.value, unit_ids: role.value === 'admin' ? [] : [...scope.selectedOptions].map((o) => o.value) })
      flash(msg, T.created); pw.value = ''; refresh()
    } catch (err) { flash(msg, (err as Error).message, true) }
  })
  const name = (id: string) => state.units.find((u) => u.id === id)?.name ?? id
  const refresh = () => load(list, () => api<{ items: User[] }>('GET', '/api/v1/users?limit=500'), (r) => h('div', { class: 'scroll' }, h('table', { class: 'data' },
    h('thead', null, h('tr', null, [T.email, T.role, T.scope, ''].map((c) => h('th', { scope: 'col' }, c)))),
    h('tbody', null, r.items.map((u) => h('tr', null, h('th', { scope: 'row' }, u.email, u.disabled ? ` (${T.disabled})` : ''), h('td', null, T[u.role]), h('td', null, u.unit_ids.map(name).join(', ') || '–'),
      h('td', null, u.id !== state.user?.id && h('button', { type: 'button', onclick: async () => {
        try { await api('PATCH', `/api/v1/users/${u.id}`, { disabled: !u.disabled }); refresh() } catch (err) { flash(msg, (err as Error).message, true) }
      } }, u.disabled ? T.enable : T.disable))))))))
  refresh()
  return section(T.aUsers, 'h-a-users', list, form, msg)
}

function templatesCard() {
  const T = t()
  const body = h('div')
  const msg = h('p', { role: 'status' })
  const refresh = () => load(body, () => api<{ items: any[] }>('GET', '/api/v1/templates?limit=500'), (r) => h('ul', { class: 'plain' }, r.items.map((tp) => {
    const detail = h('div')
    const open = h('button', { type: 'button', 'aria-expanded': 'false' }, `${tp.name} (${tp.code})`)
    open.addEventListener('click', () => {
      const on = open.getAttribute('aria-expanded') !== 'true'
      open.setAttribute('aria-expanded', String(on))
      if (on) templateDetail(tp.id, detail, msg, refresh, tp.built_in); else detail.replaceChildren()
    })
    return h('li', null, open, detail)
  })))
  const copy = h('button', { type: 'button' }, T.copyBuiltIn)
  copy.addEventListener('click', async () => {
    try {
      const list = await api<{ items: any[] }>('GET', '/api/v1/templates?limit=500')
      const b = list.items.find((x) => x.built_in) ?? list.items[0]
      const v = await api<any>('GET', `/api/v1/template-versions/${b.latest_version_id}`)
      const code = `${b.code}-salinan-${Date.now().toString(36)}`
      await api('POST', '/api/v1/templates', { code, name: `${b.name} (salinan)`, questions: v.questions })
      flash(msg, T.created); refresh()
    } catch (err) { flash(msg, (err as Error).message, true) }
  })
  refresh()
  return section(T.aTemplates, 'h-a-templates', body, copy, msg)
}

async function templateDetail(id: string, el: HTMLElement, msg: HTMLElement, refresh: () => void, builtIn: boolean) {
  const T = t()
  load(el, () => api<any>('GET', `/api/v1/templates/${id}`), (tp) => {
    const versions = [...tp.versions].sort((a: any, b: any) => b.number - a.number)
    const latest = versions[0]
    const ta = h('textarea', { rows: 12, class: 'mono', id: `q-${id}` })
    ta.value = JSON.stringify(latest?.questions ?? [], null, 2)
    const draft = latest?.status === 'draft'
    const save = h('button', { type: 'button', disabled: builtIn }, T.saveDraft)
    save.addEventListener('click', async () => {
      try { await api('POST', `/api/v1/templates/${id}/versions`, { questions: JSON.parse(ta.value) }); flash(msg, T.saved); templateDetail(id, el, msg, refresh, builtIn) } catch (err) { flash(msg, (err as Error).message, true) }
    })
    return [
      h('ul', { class: 'plain' }, versions.map((v: any) => h('li', null, `${T.versions} ${v.number}: ${v.status === 'draft' ? T.draft : `${date(v.published_at)}`}`,
        v.status === 'draft' && !builtIn && h('button', { type: 'button', onclick: async () => {
          try { await api('POST', `/api/v1/template-versions/${v.id}/publish`); templateDetail(id, el, msg, refresh, builtIn) } catch (err) { flash(msg, (err as Error).message, true) }
        } }, T.publishV)))),
      !draft && h('p', { class: 'muted' }, T.readOnly),
      field(T.questionsJson, ta), save,
    ]
  })
}

type AuditEntry = { id: string; at: string; actor_email: string | null; actor_id: string; action: string; entity: string; entity_id: string }

// auditCard lists the audit log, newest first, 50 at a time (admins only).
function auditCard() {
  const T = t()
  const rows = h('tbody', { id: 'audit-rows' })
  const msg = h('p', { role: 'status' })
  const more = h('button', { type: 'button', hidden: true }, T.more)
  let cursor = ''
  const when = (at: string) => `${date(at)} ${new Intl.DateTimeFormat('id-ID', { hour: '2-digit', minute: '2-digit', timeZone: 'Asia/Jakarta' }).format(new Date(at))} WIB`
  const page = async () => {
    try {
      const r = await api<{ items: AuditEntry[]; next_cursor: string }>('GET', `/api/v1/audit${qs({ limit: 50, cursor })}`)
      rows.append(...r.items.map((a) => h('tr', null, h('td', null, when(a.at)), h('td', null, a.actor_email ?? a.actor_id ?? '–'),
        h('th', { scope: 'row' }, a.action), h('td', null, `${a.entity} ${a.entity_id.slice(0, 8)}`))))
      cursor = r.next_cursor
      more.hidden = !cursor
      if (!rows.childNodes.length) flash(msg, T.auditNone)
    } catch (err) { flash(msg, (err as Error).message, true) }
  }
  more.addEventListener('click', page)
  void page()
  return section(T.aAudit, 'h-a-audit', h('div', { class: 'scroll' }, h('table', { class: 'data', id: 'audit-table' },
    h('thead', null, h('tr', null, [T.auditAt, T.auditWho, T.auditWhat, T.auditObject].map((c) => h('th', { scope: 'col' }, c)))), rows)), more, msg)
}
