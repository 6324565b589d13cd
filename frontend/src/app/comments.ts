import { api, qs, missing } from './api'
import { h, replace } from './dom'
import { t, int, date } from './i18n'
import { canWrite, type Ctx } from './state'
import { section, load } from './ui'

interface Comment { response_id: string; day: string; unit_id: string; unit_name: string; comment: string; min_score: number; status: string }

export function comments(ctx: Ctx) {
  const T = t()
  const q = h('input', { id: 'c-q', type: 'search' })
  const max = h('select', { id: 'c-max' }, h('option', { value: '' }, T.any), [1, 2, 3, 4].map((n) => h('option', { value: n }, `≤ ${n}`)))
  const st = h('select', { id: 'c-status' }, h('option', { value: '' }, T.any), h('option', { value: 'new' }, T.stNew), h('option', { value: 'read' }, T.stRead), h('option', { value: 'action' }, T.stAction))
  const list = h('ul', { id: 'comment-list', class: 'comments' })
  const more = h('button', { type: 'button', id: 'c-more', hidden: true }, T.more)
  const msg = h('p', { role: 'status', class: 'muted' })
  const silent = h('div', { id: 'silent' })
  let cursor = ''
  const label = (s: string) => (s === 'read' ? T.stRead : s === 'action' ? T.stAction : T.stNew)

  const item = (c: Comment): HTMLElement => {
    const status = h('span', { class: `chip st-${c.status}` }, label(c.status))
    const set = async (s: string) => {
      try {
        await api('PATCH', `/api/v1/responses/${c.response_id}/comment-status`, { status: s })
        c.status = s
        li.replaceWith(item(c))
      } catch (e) { msg.textContent = (e as Error).message }
    }
    const li = h('li', { 'data-response': c.response_id },
      h('p', { class: 'meta' }, date(c.day), ' · ', c.unit_name, ' · ', `${T.score}: ${c.min_score}`, ' · ', status),
      h('blockquote', null, c.comment),
      canWrite() && h('div', { class: 'actions' },
        c.status !== 'read' && h('button', { type: 'button', onclick: () => set('read') }, T.markRead),
        c.status !== 'action' && h('button', { type: 'button', onclick: () => set('action') }, T.markAction),
        c.status !== 'new' && h('button', { type: 'button', onclick: () => set('new') }, T.markNew)))
    return li
  }

  const fetchPage = async (reset: boolean) => {
    if (reset) { cursor = ''; list.replaceChildren() }
    msg.textContent = T.loading
    try {
      const r = await api<{ items: Comment[]; next_cursor: string }>('GET', `/api/v1/units/${ctx.unit.id}/comments${qs({ from: ctx.period.from, to: ctx.period.to, q: q.value.trim(), max_score: max.value, status: st.value, limit: 50, cursor })}`)
      list.append(...r.items.map(item))
      cursor = r.next_cursor
      more.hidden = !cursor
      msg.textContent = list.childElementCount ? '' : T.noComments
    } catch (e) {
      msg.textContent = missing(e) ? T.notYet : `${T.error}: ${(e as Error).message}`
    }
  }
  more.addEventListener('click', () => fetchPage(false))
  const form = h('form', { class: 'filters', role: 'search', onsubmit: (e: Event) => { e.preventDefault(); fetchPage(true) } },
    h('div', { class: 'field' }, h('label', { for: 'c-q' }, T.search), q),
    h('div', { class: 'field' }, h('label', { for: 'c-max' }, T.maxScore), max),
    h('div', { class: 'field' }, h('label', { for: 'c-status' }, T.status), st),
    h('button', { type: 'submit' }, T.search))
  max.addEventListener('change', () => fetchPage(true))
  st.addEventListener('change', () => fetchPage(true))
  replace(ctx.el, section(T.tComments, 'h-comments', form, msg, list, more), section(T.silent, 'h-silent', silent))
  fetchPage(true)
  load(silent, () => api<{ items: { unit_id: string; name: string; last_response_day: string | null; days_silent: number }[] }>('GET', `/api/v1/units/${ctx.unit.id}/silent?days=7`),
    (r) => r.items.length ? h('ul', { id: 'silent-list' }, r.items.map((u) => h('li', null, h('strong', null, u.name), ' — ', u.last_response_day ? `${date(u.last_response_day)} (${T.daysSilent(u.days_silent)})` : T.never)))
      : h('p', null, T.silentNone))
  void int
}
