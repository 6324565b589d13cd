import { h, replace, type Child } from './dom'
import { t, num } from './i18n'
import { missing } from './api'

export function gradeBadge(grade: string | null, perf: string | null, id?: string) {
  if (!grade) return h('span', { class: 'grade none', id }, t().noGrade)
  return h('span', { class: `grade g-${grade}`, id }, h('b', { 'aria-hidden': 'true' }, grade), h('span', null, t().gradeOf(grade, perf ?? '')))
}

// gradeText is the short table form: the letter in its colour and the label.
export function gradeCell(grade: string | null, perf?: string | null) {
  if (!grade) return h('span', null, '–')
  return h('span', { class: `chip g-${grade}` }, perf ? `${grade} · ${perf}` : grade)
}

export function section(title: string, id: string, ...body: Child[]) {
  return h('section', { class: 'card', 'aria-labelledby': id }, h('h2', { id }, title), ...body)
}

// load runs f and renders its result into el, or a message.
export async function load<T>(el: HTMLElement, f: () => Promise<T>, render: (v: T) => Child): Promise<T | undefined> {
  el.setAttribute('aria-busy', 'true')
  if (!el.childNodes.length) replace(el, h('p', { class: 'muted' }, t().loading))
  try {
    const v = await f()
    replace(el, render(v))
    return v
  } catch (e) {
    replace(el, missing(e) ? h('p', { class: 'muted notyet' }, t().notYet) : h('p', { class: 'error', role: 'alert' }, `${t().error}: ${(e as Error).message}`))
  } finally {
    el.removeAttribute('aria-busy')
  }
}

export const fmtIKM = (v: number | null | undefined) => num(v, 2)

export function signed(v: number): string {
  return (v > 0 ? '+' : v < 0 ? '−' : '±') + num(Math.abs(v), 2)
}

export function flash(el: HTMLElement, msg: string, error = false) {
  el.textContent = msg
  el.className = error ? 'error' : 'ok'
}
