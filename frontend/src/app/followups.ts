import { api, qs, missing, type FollowUp, type IKM } from './api'
import { h, replace } from './dom'
import { t, num, date } from './i18n'
import { canWrite, type Ctx } from './state'
import { section, load, gradeCell, flash } from './ui'

const STATUSES = ['planned', 'in_progress', 'done', 'dropped'] as const

export function followups(ctx: Ctx) {
  const T = t()
  const base = `/api/v1/units/${ctx.unit.id}`
  const list = h('div', { id: 'fu-list' })
  const sugg = h('div', { id: 'fu-suggestions' })
  const msg = h('p', { id: 'fu-msg', role: 'status' })
  const element = h('select', { id: 'fu-element', required: true })
  const activity = h('textarea', { id: 'fu-activity', required: true, rows: 3, maxlength: 2000 })
  const owner = h('input', { id: 'fu-owner', maxlength: 200 })
  const due = h('input', { id: 'fu-due', type: 'date', required: true })
  const status = h('select', { id: 'fu-status' }, STATUSES.map((s) => h('option', { value: s }, T[s])))
  const form = h('form', { id: 'fu-form', class: 'stack' },
    h('h3', null, T.addFollow),
    h('label', { for: 'fu-element' }, T.element), element,
    h('label', { for: 'fu-activity' }, T.activity), activity,
    h('div', { class: 'row' },
      h('div', { class: 'field' }, h('label', { for: 'fu-owner' }, T.owner), owner),
      h('div', { class: 'field' }, h('label', { for: 'fu-due' }, T.due), due),
      h('div', { class: 'field' }, h('label', { for: 'fu-status' }, T.status), status)),
    h('button', { type: 'submit', id: 'fu-submit', class: 'primary' }, T.save), msg)
  form.addEventListener('submit', async (e) => {
    e.preventDefault()
    try {
      await api('POST', `${base}/followups`, { element: element.value, activity: activity.value.trim(), owner: owner.value.trim(), due: due.value, status: status.value })
      activity.value = ''
      flash(msg, T.saved)
      refresh()
    } catch (err) { flash(msg, (err as Error).message, true) }
  })

  replace(ctx.el, h('div', { class: 'grid2' },
    section(T.suggestions, 'h-sugg', sugg),
    canWrite() ? h('section', { class: 'card', 'aria-label': T.addFollow }, form) : null),
  section(T.followups, 'h-fu', list))

  // Suggestions (the weakest elements); the index's elements fill the choice.
  load(sugg, async () => {
    const r = await api<IKM>('GET', `${base}/ikm${qs({ from: ctx.period.from, to: ctx.period.to })}`)
    let items: { element: string; name: string; nrr: number | null; grade: string | null }[]
    try {
      items = (await api<{ items: any[] }>('GET', `${base}/followups/suggestions${qs({ from: ctx.period.from, to: ctx.period.to })}`)).items
    } catch (e) {
      if (!missing(e)) throw e
      items = r.elements.filter((x) => x.priority).map((x) => ({ element: x.code, name: x.name, nrr: x.nrr, grade: x.grade }))
    }
    const first = new Set(items.map((i) => i.element))
    replace(element, [...r.elements].sort((a, b) => Number(first.has(b.code)) - Number(first.has(a.code)) || (a.nrr ?? 9) - (b.nrr ?? 9))
      .map((x) => h('option', { value: x.code }, `${x.code} ${x.name} (${num(x.nrr)})`)))
    return items
  }, (items) => items.length ? h('ul', { class: 'plain' }, items.map((i) => h('li', null, h('strong', null, `${i.element} ${i.name}`), ' — NRR ', num(i.nrr), ' ', gradeCell(i.grade))))
    : h('p', { class: 'muted' }, t().noData))

  const refresh = () => load(list, () => api<{ items: FollowUp[] }>('GET', `${base}/followups?limit=500`), (r) => r.items.length ? table(r.items) : h('p', null, T.noFollow))
  refresh()
}

function table(items: FollowUp[]) {
  const T = t()
  return h('div', { class: 'scroll' }, h('table', { class: 'data', id: 'fu-table' },
    h('thead', null, h('tr', null, [T.element, T.activity, T.owner, T.due, T.status, T.result].map((c) => h('th', { scope: 'col' }, c)))),
    h('tbody', null, items.map((f) => {
      const sel = h('select', { 'aria-label': `${T.status} ${f.element}`, disabled: !canWrite() }, STATUSES.map((s) => h('option', { value: s, selected: f.status === s }, T[s])))
      const res = h('input', { value: f.result ?? '', 'aria-label': `${T.result} ${f.element}`, disabled: !canWrite() })
      const note = h('span', { role: 'status', class: 'muted' })
      const save = async () => {
        try { await api('PATCH', `/api/v1/followups/${f.id}`, { status: sel.value, result: res.value }); note.textContent = T.saved } catch (e) { note.textContent = (e as Error).message }
      }
      sel.addEventListener('change', save)
      res.addEventListener('change', save)
      return h('tr', { 'data-followup': f.id }, h('th', { scope: 'row' }, f.element), h('td', null, f.activity), h('td', null, f.owner), h('td', null, date(f.due)), h('td', null, sel), h('td', null, res, note))
    }))))
}
