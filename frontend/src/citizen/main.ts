// The citizen survey page: /s/{slug}[?kiosk=1]. Loads the form, keeps the
// answers in a draft, and hands a submission to the outbox, which owns
// storing and sending it. Screens: loading → form → done, or missing.
import { loadForm, type FormResult } from './api'
import { $, h, svg } from './dom'
import { check, clock } from './icons'
import { getLang, setLang, t, when } from './i18n'
import { renderForm, type FormView } from './form'
import { fromPayload, newDraft, toPayload, validate, type Draft } from './model'
import { all, flush, onOutbox, submit } from './queue'
import { initSpeech } from './speech'
import type { FieldError, Problem, SurveyForm } from './types'

const slug = decodeURIComponent(location.pathname.split('/')[2] ?? '')
const params = new URLSearchParams(location.search)
const kiosk = params.get('kiosk') === '1'
// kioskDelay (seconds, 1–60) shortens the reset for tests and demos.
const kioskDelayMs = Math.min(60, Math.max(1, Number(params.get('kioskDelay')) || 10)) * 1000

// Start fetching before anything else: on a slow link this is the wait.
const formLoad: Promise<FormResult> = slug ? loadForm(slug) : Promise.resolve({ ok: false, status: 404 })

type Screen = 'loading' | 'form' | 'done' | 'missing'
interface Done { client_id: string; captured_at: string; state: 'sending' | 'sent' | 'waiting'; receipt?: string }

const s = {
  screen: 'loading' as Screen,
  form: undefined as SurveyForm | undefined,
  missing: 0, // HTTP status of a survey that is not there (404, 410), 0 if unreachable
  draft: newDraft(),
  errors: [] as FieldError[],
  done: undefined as Done | undefined,
  queued: 0,
  flushedSent: false, // a queued answer went out since the last count > 0
  kioskAt: 0,
}
let view: FormView | undefined
let kioskTimer: ReturnType<typeof setInterval> | undefined

const main = $('main')!

function render(focus = false) {
  $('brand')!.textContent = t('title')
  const lang = $('lang')!
  lang.textContent = t('otherLang')
  lang.lang = getLang() === 'id' ? 'en' : 'id'
  lang.setAttribute('aria-label', t('otherLangAria'))
  view = undefined
  if (s.screen === 'loading') main.replaceChildren(h('p', { class: 'loading' }, t('loading')))
  else if (s.screen === 'missing') main.replaceChildren(missing())
  else if (s.screen === 'done') main.replaceChildren(done())
  else if (s.form) {
    if (s.form.survey.title) document.title = s.form.survey.title
    view = renderForm(s.form, s.draft, send, (field) => field === 'unit_id' && rerender())
    main.replaceChildren(view.el)
    view.showErrors(s.errors, false)
  }
  renderStatus()
  if (focus) (main.querySelector<HTMLElement>('.done, h1') ?? main).focus()
}

// rerender redraws in place (language, unit change) keeping focus.
function rerender() {
  const id = document.activeElement?.id
  render()
  if (id) $(id)?.focus()
}

function renderStatus() {
  const st = $('status')!
  st.className = 'status'
  if (s.queued > 0) {
    st.textContent = `${t('waiting')} · ${t('queued', { n: s.queued })}`
  } else if (s.flushedSent) {
    st.classList.add('sent')
    st.textContent = t('sentQueued')
  } else st.textContent = ''
}

function missing(): HTMLElement {
  const [title, body] = s.missing === 410 ? [t('closed'), t('closedBody')] : s.missing === 404 ? [t('notFound'), t('notFoundBody')] : [t('offline'), t('offlineBody')]
  return h('section', { class: 'notice-screen' },
    h('h1', { tabindex: -1 }, title), h('p', {}, body),
    s.missing === 0 && h('button', { type: 'button', class: 'secondary', onclick: () => location.reload() }, t('tryAgain')))
}

function done(): HTMLElement {
  const d = s.done!
  const state = d.state === 'sent' ? t('sent') : d.state === 'waiting' ? t('waiting') : t('sendingState')
  return h('section', { class: 'done', id: 'done', tabindex: -1 },
    svg(check.replace('<svg', '<svg class="big"')),
    h('h1', {}, t('thanks')),
    h('p', {}, t('thanksBody')),
    h('p', { class: `state ${d.state}`, id: 'send-state' }, svg(d.state === 'sent' ? check : clock), h('span', {}, state)),
    d.receipt && h('p', {}, t('receipt'), h('strong', { class: 'receipt', id: 'receipt' }, d.receipt)),
    h('p', { class: 'meta' }, t('answeredAt', { when: when(d.captured_at) })),
    kiosk && [
      h('p', { id: 'kiosk-next' }, t('kioskNext', { n: Math.max(0, Math.ceil((s.kioskAt - Date.now()) / 1000)) })),
      h('button', { type: 'button', class: 'secondary', onclick: resetKiosk }, t('newForm')),
    ])
}

async function send() {
  const f = s.form!
  s.errors = validate(f, s.draft)
  if (s.errors.length) return view?.showErrors(s.errors, true)
  const payload = toPayload(f, s.draft, new Date()) // captured_at: the moment Kirim was pressed
  view?.setSending(true)
  navigator.storage?.persist?.().catch(() => {})
  const r = await submit(slug, payload).catch(() => ({ kind: 'retry' as const }))
  if (r.kind === 'rejected') return rejected(r.problem)
  showDone({ client_id: payload.client_id, captured_at: payload.captured_at, state: r.kind === 'sent' ? 'sent' : 'waiting', receipt: r.kind === 'sent' ? r.receipt : undefined })
}

function showDone(d: Done) {
  s.done = d
  s.screen = 'done'
  if (kiosk) {
    // The next citizen must never see these answers: forget them now.
    s.draft = newDraft()
    s.kioskAt = Date.now() + kioskDelayMs
    clearInterval(kioskTimer)
    kioskTimer = setInterval(() => {
      if (Date.now() >= s.kioskAt) return resetKiosk()
      const p = $('kiosk-next')
      if (p) p.textContent = t('kioskNext', { n: Math.ceil((s.kioskAt - Date.now()) / 1000) })
    }, 250)
  }
  render(true)
  scrollTo(0, 0)
}

function resetKiosk() {
  clearInterval(kioskTimer)
  s.draft = newDraft()
  s.errors = []
  s.done = undefined
  s.screen = s.form ? 'form' : 'missing'
  setLang('id') // the next citizen starts in Indonesian
  render()
  scrollTo(0, 0)
}

// rejected: the server refused the answers for good (not a network
// problem). The answers stay in the form with the server's field errors.
function rejected(p: Problem) {
  if (p.status === 404 || p.status === 410) {
    s.missing = p.status
    s.screen = 'missing'
    return render(true)
  }
  s.errors = p.errors?.length ? p.errors : [{ field: '', code: '', message: p.detail || p.title || t('rejected') }]
  s.screen = 'form'
  render()
  view?.showErrors(s.errors, true)
}

const blank = (d: Draft) => !Object.keys(d.answers).length && !Object.keys(d.profile).length && !d.comment

onOutbox((e) => {
  if (e.type === 'count') {
    if (e.n > 0) s.flushedSent = false
    s.queued = e.n
    return renderStatus()
  }
  const mine = s.screen === 'done' && s.done?.client_id === e.item.client_id
  if (e.type === 'sent') {
    if (e.item.attempts > 0) s.flushedSent = true
    if (mine) { s.done!.state = 'sent'; s.done!.receipt = e.receipt; render() }
  } else if (e.type === 'waiting') {
    if (mine && s.done!.state !== 'waiting') { s.done!.state = 'waiting'; render() }
  } else if (e.type === 'rejected' && e.item.slug === slug && !kiosk && (mine || (s.screen === 'form' && blank(s.draft)))) {
    // A queued answer was refused after a reload: give it back to its author.
    s.draft = fromPayload(e.item.payload)
    rejected(e.problem)
  }
})

$('lang')!.addEventListener('click', () => {
  setLang(getLang() === 'id' ? 'en' : 'id')
  rerender()
})

async function start() {
  setLang(getLang(), false)
  initSpeech()
  render()
  const r = await formLoad
  if (!r.ok) {
    s.missing = r.status === 404 || r.status === 410 ? r.status : 0
    s.screen = 'missing'
    return render(true)
  }
  s.form = r.form
  s.screen = 'form'
  // On a phone, a reload while an answer is still queued shows its state
  // rather than an empty form that invites answering twice.
  const pending = kiosk ? [] : (await all()).filter((i) => i.slug === slug)
  const last = pending.sort((a, b) => a.payload.captured_at.localeCompare(b.payload.captured_at)).pop()
  if (last) showDone({ client_id: last.client_id, captured_at: last.payload.captured_at, state: 'waiting' })
  else render()
  await flush()
}

addEventListener('online', () => flush())
document.addEventListener('visibilitychange', () => document.visibilityState === 'visible' && flush(false))
if ('serviceWorker' in navigator) {
  addEventListener('load', () => navigator.serviceWorker.register('/sw.js', { scope: '/s/' }).catch(() => {}))
}
start()
