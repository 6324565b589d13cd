// The survey form: real fieldsets and radios, one error slot per field
// (named as the API names fields: answers.U3, profile.age, comment,
// unit_id, service_id), a summary that links to each bad field, progress.
import { $, h, svg } from './dom'
import { faces, speaker, warning } from './icons'
import { date, has, pick, t, type Key } from './i18n'
import { elements, fieldOf, MAX_COMMENT, type Draft } from './model'
import { speak } from './speech'
import type { FieldError, Named, Question, SurveyForm } from './types'

export interface FormView {
  el: HTMLFormElement
  showErrors(errs: FieldError[], focus: boolean): void
  setSending(on: boolean): void
}

const slotId = (field: string) => 'f-' + field.replace(/[^\w-]/g, '-')
const errId = (field: string) => 'e-' + field.replace(/[^\w-]/g, '-')

// message words a field error in the page's language, the way the API
// does (so a language switch re-words server errors too); for a code it
// does not know it shows the server's message.
export function message(e: FieldError, f: SurveyForm): string {
  const q = f.questions.find((x) => fieldOf(x) === e.field)
  if (e.code === 'out_of_range') {
    const [min, max] = q?.kind === 'element' ? [1, q.options?.length ?? 4] : [q?.min ?? 0, q?.max]
    if (max) return t('e_out_of_range', { min, max })
  } else if (e.code === 'max_len') {
    return t('e_max_len', { max: q?.max || MAX_COMMENT })
  } else if (has('e_' + e.code)) {
    return t(('e_' + e.code) as Key)
  }
  return e.message || t('e_invalid')
}

export function renderForm(f: SurveyForm, d: Draft, onSubmit: () => void, onChange: (field: string) => void): FormView {
  const els = elements(f)
  const progressText = h('p', { id: 'progress-text' })
  const progress = h('progress', { max: els.length, 'aria-labelledby': 'progress-text' })
  const summary = h('div', { class: 'summary', id: 'summary', tabindex: -1, role: 'group', 'aria-labelledby': 'summary-h', hidden: true })
  const submit = h('button', { type: 'submit', class: 'primary', id: 'submit' }, t('submit'))

  const updateProgress = () => {
    const n = els.filter((q) => d.answers[q.code]).length
    progressText.textContent = t('progress', { n, total: els.length })
    progress.value = n
  }

  const units = f.units ?? []
  const services = (f.services ?? []).filter((s) => !s.unit_id || !d.unit_id || s.unit_id === d.unit_id)
  const where = [
    units.length > 0 && picker('unit_id', t('unitPick'), units, d.unit_id),
    services.length > 0 && picker('service_id', t('servicePick'), services, d.service_id),
  ].filter(Boolean) as HTMLElement[]

  const profile = f.questions.filter((q) => q.kind === 'choice' || q.kind === 'number')
  const comment = f.questions.find((q) => q.kind === 'text')

  const el = h('form', { id: 'survey-form', novalidate: true },
    h('h1', {}, f.survey.title),
    h('p', { class: 'meta' }, f.unit.name, f.survey.starts_on && f.survey.ends_on ? ` · ${t('period', { from: date(f.survey.starts_on), to: date(f.survey.ends_on) })}` : ''),
    h('p', {}, t('intro')),
    h('div', { class: 'progress' }, progressText, progress),
    summary,
    where.length > 0 && [h('h2', {}, t('whereHeading')), where],
    h('h2', {}, t('ratingHeading')),
    els.map((q, i) => elementQuestion(q, i + 1, els.length, d)),
    profile.length > 0 && [h('h2', {}, t('profileHeading')), h('p', { class: 'meta' }, t('profileNote')), profile.map((q) => profileQuestion(q, d))],
    comment && commentField(comment, d),
    submit,
  )

  let errors: FieldError[] = []

  const paint = (focus: boolean) => {
    for (const s of el.querySelectorAll('.invalid')) s.classList.remove('invalid')
    for (const p of el.querySelectorAll<HTMLElement>('.err')) { p.hidden = true; p.replaceChildren() }
    for (const i of el.querySelectorAll('[aria-invalid]')) i.removeAttribute('aria-invalid')
    const listed: FieldError[] = []
    for (const e of errors) {
      const slot = $(slotId(e.field))
      const p = $(errId(e.field))
      if (slot && p) {
        slot.classList.add('invalid')
        p.replaceChildren(svg(warning), h('span', {}, message(e, f)))
        p.hidden = false
        for (const i of slot.querySelectorAll('input,select,textarea')) i.setAttribute('aria-invalid', 'true')
      }
      listed.push(e)
    }
    // The summary follows the page order, so its links read top to bottom.
    const order = (e: FieldError) => { const s = $(slotId(e.field)); return s ? [...el.querySelectorAll('[id^="f-"]')].indexOf(s) : -1 }
    listed.sort((a, b) => order(a) - order(b))
    summary.hidden = listed.length === 0
    summary.replaceChildren(
      h('h2', { id: 'summary-h' }, t('summary', { n: listed.length })),
      h('ul', {}, listed.map((e) => {
        const slot = $(slotId(e.field))
        const label = slot?.querySelector('legend .ql, label')?.textContent ?? ''
        const text = `${label ? label + ': ' : ''}${message(e, f)}`
        return h('li', {}, slot ? h('a', { href: '#' + slot.id, onclick: jump(slot) }, text) : text)
      })),
    )
    if (focus && listed.length) summary.focus()
  }

  const fieldChanged = (name: string) => {
    const before = errors.length
    errors = errors.filter((e) => e.field !== name)
    if (errors.length !== before) paint(false)
    updateProgress()
    onChange(name)
  }

  el.addEventListener('change', (ev) => {
    const i = ev.target as HTMLInputElement | HTMLSelectElement
    const [kind, code] = i.name.split('.')
    if (kind === 'answers') d.answers[code] = Number(i.value)
    else if (kind === 'profile') d.profile[code] = i.value
    else if (i.name === 'unit_id' || i.name === 'service_id') d[i.name] = i.value
    fieldChanged(i.name)
  })
  el.addEventListener('input', (ev) => {
    const i = ev.target as HTMLInputElement | HTMLTextAreaElement
    if (i.name === 'comment') {
      d.comment = i.value
      $('comment-count')!.textContent = t('chars', { n: [...i.value].length, max: comment?.max || MAX_COMMENT })
    } else if (i.type === 'number') d.profile[i.name.split('.')[1]] = i.value
  })
  el.addEventListener('submit', (ev) => { ev.preventDefault(); onSubmit() })

  updateProgress()
  return {
    el,
    showErrors(errs, focus) { errors = errs; paint(focus) },
    setSending(on) { submit.disabled = on; submit.textContent = t(on ? 'sending' : 'submit') },
  }
}

// jump moves focus to the first control of a field (an anchor alone would
// only scroll to it).
const jump = (slot: HTMLElement) => (ev: Event) => {
  ev.preventDefault()
  const i = slot.querySelector<HTMLElement>('input:checked, input, select, textarea')
  slot.scrollIntoView({ block: 'start' })
  i?.focus({ preventScroll: true })
}

const errSlot = (field: string) => h('p', { class: 'err', id: errId(field), hidden: true })

function elementQuestion(q: Question, n: number, total: number, d: Draft): HTMLElement {
  const field = fieldOf(q)
  return h('fieldset', { id: slotId(field), 'aria-describedby': errId(field) },
    h('legend', {}, h('span', { class: 'qn' }, t('questionOf', { n, total })), h('span', { class: 'ql' }, pick(q.label))),
    h('button', { type: 'button', class: 'speak', 'aria-label': t('readAloudAria', { n }), onclick: () => speak(q, n) }, svg(speaker), t('readAloud')),
    errSlot(field),
    h('div', { class: 'opts' }, (q.options ?? []).map((o, i) =>
      radio(field, o.value, pick(o.label), d.answers[q.code] === Number(o.value), faces[Math.min(i, faces.length - 1)]))),
  )
}

function radio(name: string, value: string, label: string, checked: boolean, icon?: string) {
  const id = `${name}-${value}`.replace(/[^\w-]/g, '-')
  return h('label', { class: 'opt', for: id },
    h('input', { type: 'radio', name, value, id, checked }),
    h('span', { class: 'card' }, icon && svg(icon), h('span', {}, label), h('span', { class: 'dot', 'aria-hidden': 'true' })))
}

function profileQuestion(q: Question, d: Draft): HTMLElement {
  const field = fieldOf(q)
  const opt = !q.required && h('span', { class: 'opt-note' }, ' ', t('optional'))
  if (q.kind === 'number') {
    const id = 'in-' + q.code
    return h('div', { class: 'field', id: slotId(field) },
      h('label', { for: id }, pick(q.label), opt),
      errSlot(field),
      h('input', { type: 'number', inputmode: 'numeric', id, name: field, min: q.min, max: q.max || undefined, value: d.profile[q.code] ?? '', 'aria-describedby': errId(field) }))
  }
  return h('fieldset', { id: slotId(field), 'aria-describedby': errId(field) },
    h('legend', {}, h('span', { class: 'ql' }, pick(q.label)), opt),
    errSlot(field),
    h('div', { class: 'opts grid' }, (q.options ?? []).map((o) =>
      radio(field, o.value, pick(o.label), d.profile[q.code] === o.value))))
}

function picker(name: 'unit_id' | 'service_id', label: string, items: Named[], value: string): HTMLElement {
  const id = 'in-' + name
  return h('div', { class: 'field', id: slotId(name) },
    h('label', { for: id }, label),
    errSlot(name),
    h('select', { id, name, 'aria-describedby': errId(name) },
      h('option', { value: '' }, t('choose')),
      items.map((u) => h('option', { value: u.id, selected: u.id === value }, u.name))))
}

function commentField(q: Question, d: Draft): HTMLElement {
  const max = q.max || MAX_COMMENT
  return h('div', { class: 'field', id: slotId('comment') },
    h('label', { for: 'in-comment' }, pick(q.label), !q.required && h('span', { class: 'opt-note' }, ' ', t('optional'))),
    errSlot('comment'),
    h('textarea', { id: 'in-comment', name: 'comment', maxlength: max, rows: 4, 'aria-describedby': `${errId('comment')} comment-count` }, d.comment),
    h('p', { class: 'count', id: 'comment-count' }, t('chars', { n: [...d.comment].length, max })))
}
