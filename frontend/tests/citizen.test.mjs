// End-to-end tests of the citizen survey page in headless Chromium, as a
// cheap Android phone, against the real server (see harness.mjs).
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import AxeBuilder from '@axe-core/playwright'
import { startServer, launchBrowser, phone, watch, resultsDir, jakartaDate } from './harness.mjs'

let server, browser
before(async () => {
  ;[server, browser] = await Promise.all([startServer(), launchBrowser()])
})
after(async () => {
  await browser?.close()
  await server?.stop()
})

const SENT = 'Terkirim'
const WAITING = 'Menunggu jaringan'
const RESPONSES = '**/api/v1/public/surveys/*/responses'

// The answers a citizen gives: a different value per element, and the first
// option of every profile choice, read from the form the server sends.
async function answers(slug) {
  const form = await server.form(slug)
  const a = { answers: {}, profile: {}, comment: 'Antrean terlalu lama, tetapi petugas ramah.' }
  form.questions.forEach((q, i) => {
    if (q.kind === 'element') a.answers[q.code] = (i % 4) + 1
    else if (q.kind === 'choice') a.profile[q.code] = q.options[0].value
    else if (q.kind === 'number') a.profile[q.code] = String(q.min ? q.min + 20 : 34)
  })
  return { form, ...a }
}

const radioId = (field, value) => `#${field}-${value}`.replace(/\./g, '-')

async function fill(page, a) {
  for (const [code, v] of Object.entries(a.answers)) await page.locator(radioId(`answers.${code}`, v)).check()
  for (const [code, v] of Object.entries(a.profile)) {
    const number = page.locator(`#in-${code}`)
    if (await number.count()) await number.fill(v)
    else await page.locator(radioId(`profile.${code}`, v)).check()
  }
  await page.locator('#in-comment').fill(a.comment)
}

async function open(ctx, url) {
  const page = await ctx.newPage()
  const problems = watch(page, server.url)
  await page.goto(url)
  await page.locator('#survey-form').waitFor()
  return { page, problems }
}

// posted records the bodies the page POSTs.
function posted(page) {
  const bodies = []
  page.on('request', (r) => {
    if (r.method() !== 'POST' || !r.url().endsWith('/responses')) return
    bodies.push(JSON.parse(r.postData()))
    bodies.devices = [...(bodies.devices ?? []), r.headers()['x-suara-device']]
  })
  return bodies
}

// sameResponse checks that a stored response is the one the page sent:
// by the receipt the page shows, and by client_id where the list has it.
function sameResponse(item, { receipt, client_id }) {
  assert.equal(item.receipt, receipt.trim(), 'the stored response has the receipt the page shows')
  if ('client_id' in item) assert.equal(item.client_id, client_id)
}

async function eventually(f, ms = 20_000) {
  const end = Date.now() + ms
  for (;;) {
    const v = await f()
    if (v || Date.now() > end) return v
    await new Promise((r) => setTimeout(r, 200))
  }
}

test('fill and submit: one response stored with the answers given', async () => {
  const sv = await server.survey()
  const a = await answers(sv.slug)
  const ctx = await phone(browser)
  const { page, problems } = await open(ctx, `${server.url}/s/${sv.slug}`)
  const bodies = posted(page)
  await assert.doesNotReject(page.screenshot({ path: join(resultsDir, 'form-360x740.png') }))
  await page.screenshot({ path: join(resultsDir, 'form-360x740-full.png'), fullPage: true })
  assert.match(await page.locator('#progress-text').textContent(), /^0 dari 9 terjawab$/)
  await fill(page, a)
  assert.match(await page.locator('#progress-text').textContent(), /^9 dari 9 terjawab$/)
  await page.locator('#submit').click()
  await page.locator('#send-state', { hasText: SENT }).waitFor()
  const receipt = (await page.locator('#receipt').textContent()).trim()
  assert.ok(receipt.length > 0, 'a receipt is shown')
  await page.screenshot({ path: join(resultsDir, 'thanks-360x740.png') })

  const items = await server.responses(sv.id)
  assert.equal(items.length, 1)
  assert.equal(bodies.length, 1)
  assert.match(bodies.devices[0] ?? '', /^[0-9a-f]{32}$/, 'the page sends its device token (X-Suara-Device)')
  assert.equal(await page.evaluate(() => localStorage.getItem('suara.device')), bodies.devices[0], 'the token is kept in localStorage')
  sameResponse(items[0], { receipt, client_id: bodies[0].client_id })
  // A version-7 client id, whose first 48 bits are the time the form opened.
  assert.match(bodies[0].client_id, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
  const openedAt = parseInt(bodies[0].client_id.replace(/-/g, '').slice(0, 12), 16)
  assert.ok(Math.abs(Date.now() - openedAt) < 10 * 60_000, `client id time ${new Date(openedAt).toISOString()} is within minutes of now`)
  assert.deepEqual(items[0].answers, a.answers)
  for (const [k, v] of Object.entries(a.profile)) assert.equal(String(items[0].profile[k]), v, `profile.${k}`)
  assert.equal(items[0].comment, a.comment)
  assert.match(bodies[0].captured_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+07:00$/, 'captured_at carries the device offset (WIB)')
  assert.deepEqual(problems, [])
  await ctx.close()
})

test('offline: queued on the phone, page reloads offline, sent once when the network returns', async () => {
  const sv = await server.survey()
  const a = await answers(sv.slug)
  const ctx = await phone(browser, { serviceWorkers: 'allow' })
  const { page, problems } = await open(ctx, `${server.url}/s/${sv.slug}`)
  // Offline-ready: the worker controls the page and holds the form.
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null, null, { timeout: 15_000 })
  assert.ok(await eventually(() => page.evaluate((u) => caches.match(u, { ignoreVary: true }).then(Boolean), `/api/v1/public/surveys/${sv.slug}`)),
    'the survey JSON is cached by the service worker')

  await ctx.setOffline(true)
  await fill(page, a)
  await page.locator('#submit').click()
  await page.locator('#send-state', { hasText: WAITING }).waitFor()
  assert.match(await page.locator('#status').textContent(), /1 jawaban menunggu dikirim/)

  const reload = await page.reload()
  assert.ok(reload.fromServiceWorker(), 'the offline reload is served by the service worker')
  await page.locator('#send-state', { hasText: WAITING }).waitFor()
  assert.equal((await server.responses(sv.id)).length, 0, 'nothing reached the server while offline')

  await ctx.setOffline(false)
  await page.locator('#send-state', { hasText: SENT }).waitFor({ timeout: 20_000 })
  await page.locator('#status', { hasText: 'Terkirim' }).waitFor()
  const items = await server.responses(sv.id)
  assert.equal(items.length, 1)
  assert.deepEqual(items[0].answers, a.answers)
  assert.deepEqual(problems, [])
  await ctx.close()
})

test('503 twice: the answer stays queued, is retried with the same client_id and stored once', async () => {
  const sv = await server.survey()
  const a = await answers(sv.slug)
  const ctx = await phone(browser)
  const { page } = await open(ctx, `${server.url}/s/${sv.slug}`)
  const ids = []
  await page.route(RESPONSES, async (route) => {
    ids.push(JSON.parse(route.request().postData()).client_id)
    if (ids.length <= 2) return route.fulfill({ status: 503, contentType: 'application/problem+json', body: '{"status":503,"title":"Service Unavailable"}' })
    return route.continue()
  })
  await fill(page, a)
  await page.locator('#submit').click()
  await page.locator('#send-state', { hasText: WAITING }).waitFor()
  await page.locator('#send-state', { hasText: SENT }).waitFor({ timeout: 20_000 })
  assert.equal(ids.length, 3)
  assert.equal(new Set(ids).size, 1, 'every try carries the same client_id')
  const items = await server.responses(sv.id)
  assert.equal(items.length, 1)
  sameResponse(items[0], { receipt: await page.locator('#receipt').textContent(), client_id: ids[0] })
  await ctx.close()
})

test('the server\'s 422 field errors show at their question; the answers stay', async () => {
  const sv = await server.survey()
  const a = await answers(sv.slug)
  const ctx = await phone(browser)
  const { page } = await open(ctx, `${server.url}/s/${sv.slug}`)
  let status = 0
  // An answer the page would never send: the server must reject it.
  await page.route(RESPONSES, (route) => {
    const body = JSON.parse(route.request().postData())
    body.answers.U3 = 7
    return route.continue({ postData: JSON.stringify(body) })
  })
  page.on('response', (r) => { if (r.url().endsWith('/responses')) status = r.status() })
  await fill(page, a)
  await page.locator('#submit').click()
  await page.locator('#e-answers-U3').waitFor()
  assert.equal(status, 422)
  assert.match(await page.locator('#e-answers-U3').textContent(), /antara 1 dan 4/)
  assert.ok(await page.locator('#f-answers-U3').evaluate((e) => e.classList.contains('invalid')))
  assert.ok(await page.locator('#summary').evaluate((e) => e === document.activeElement), 'the error summary takes focus')
  assert.ok(await page.locator(radioId('answers.U1', a.answers.U1)).isChecked(), 'answers are kept')
  assert.equal(await page.locator('#in-comment').inputValue(), a.comment)
  assert.equal((await page.locator('#status').textContent()).trim(), '', 'a rejected answer is not left in the queue')
  assert.equal((await server.responses(sv.id)).length, 0)
  await ctx.close()
})

test('client-side checks: an empty form lists every required question, sends nothing', async () => {
  const sv = await server.survey()
  const required = (await server.form(sv.slug)).questions.filter((q) => q.required)
  assert.ok(required.filter((q) => q.kind === 'element').length >= 9, 'the nine elements are required')
  const ctx = await phone(browser)
  const { page } = await open(ctx, `${server.url}/s/${sv.slug}`)
  const bodies = posted(page)
  await page.locator('#submit').click()
  await page.locator('#summary').waitFor()
  assert.equal(await page.locator('#summary li').count(), required.length)
  assert.equal(await page.locator('#e-answers-U9').textContent(), 'Wajib diisi.')
  await page.locator('#summary a').first().click()
  assert.equal(await page.evaluate(() => document.activeElement.name), 'answers.U1', 'a summary link focuses its question')
  await page.locator('#answers-U1-3').check()
  assert.ok(await page.locator('#e-answers-U1').isHidden(), 'answering clears that error')
  assert.equal(bodies.length, 0)
  await ctx.close()
})

test('a closed survey says so, on opening and on submitting', async () => {
  const sv = await server.survey()
  const a = await answers(sv.slug)
  const ctx = await phone(browser)
  const { page } = await open(ctx, `${server.url}/s/${sv.slug}`)
  await fill(page, a)
  await server.api('PATCH', `/api/v1/surveys/${sv.id}`, { starts_on: jakartaDate(-30), ends_on: jakartaDate(-1) })
  await page.locator('#submit').click()
  await page.getByRole('heading', { name: 'Survei sudah ditutup' }).waitFor()
  await page.reload()
  await page.getByRole('heading', { name: 'Survei sudah ditutup' }).waitFor()
  await page.goto(`${server.url}/s/tidak-ada-${Date.now()}`)
  await page.getByRole('heading', { name: 'Survei tidak ditemukan' }).waitFor()
  assert.equal((await server.responses(sv.id)).length, 0)
  await ctx.close()
})

test('language switch: English is remembered across a reload', async () => {
  const sv = await server.survey()
  const form = await server.form(sv.slug)
  const ctx = await phone(browser)
  const { page } = await open(ctx, `${server.url}/s/${sv.slug}`)
  assert.equal(await page.getAttribute('html', 'lang'), 'id')
  await page.locator('#lang').click()
  assert.equal(await page.getAttribute('html', 'lang'), 'en')
  assert.equal(await page.locator('#submit').textContent(), 'Send')
  assert.ok(await page.evaluate(() => document.activeElement.id === 'lang'), 'focus stays on the switch')
  await page.reload()
  await page.locator('#survey-form').waitFor()
  assert.equal(await page.getAttribute('html', 'lang'), 'en')
  assert.equal(await page.locator('#f-answers-U1 .ql').textContent(), form.questions.find((q) => q.code === 'U1').label.en)
  await page.locator('#lang').click()
  assert.equal(await page.locator('#submit').textContent(), 'Kirim')
  await ctx.close()
})

test('kiosk: a fresh form after the thank-you screen, new client_id, nothing left visible', async () => {
  const sv = await server.survey()
  const a = await answers(sv.slug)
  const ctx = await phone(browser)
  // kioskDelay=1 shortens the documented 10 s reset for the test.
  const { page } = await open(ctx, `${server.url}/s/${sv.slug}?kiosk=1&kioskDelay=1`)
  const bodies = posted(page)
  for (let round = 0; round < 2; round++) {
    await fill(page, a)
    await page.locator('#submit').click()
    await page.locator('#send-state', { hasText: SENT }).waitFor()
    await page.locator('#survey-form').waitFor({ timeout: 5_000 })
    assert.equal(await page.locator('input:checked').count(), 0, 'no answer of the previous citizen is visible')
    assert.equal(await page.locator('#in-comment').inputValue(), '')
  }
  assert.equal(bodies.length, 2)
  assert.notEqual(bodies[0].client_id, bodies[1].client_id)
  assert.equal((await server.responses(sv.id)).length, 2)
  await ctx.close()
})

test('accessibility: axe finds nothing on the form, its errors and the thank-you screen', async () => {
  const sv = await server.survey()
  const a = await answers(sv.slug)
  const ctx = await phone(browser)
  const { page } = await open(ctx, `${server.url}/s/${sv.slug}`)
  const axe = () => new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze()
  const clean = async (where) => {
    const { violations } = await axe()
    assert.deepEqual(violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target).join(' ')}`), [], where)
  }
  await clean('form')
  await page.locator('#submit').click()
  await page.locator('#summary').waitFor()
  await clean('form with errors')
  await fill(page, a)
  await page.locator('#submit').click()
  await page.locator('#send-state', { hasText: SENT }).waitFor()
  await clean('thank-you screen')
  await ctx.close()
})

test('layout: 320 px wide at 200 % text does not scroll sideways; targets are at least 44 px', async () => {
  const sv = await server.survey()
  const ctx = await phone(browser)
  const { page } = await open(ctx, `${server.url}/s/${sv.slug}`)
  const small = await page.evaluate(() =>
    [...document.querySelectorAll('.card, button:not([hidden]), select, input[type=number]')]
      .map((e) => e.getBoundingClientRect()).filter((r) => r.width > 0 && r.height < 44).length)
  assert.equal(small, 0, 'every tap target is at least 44 px tall')
  await page.setViewportSize({ width: 320, height: 640 })
  await page.evaluate(() => { document.documentElement.style.fontSize = '212.5%' }) // 200 % of the page's own size
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 320), 'no horizontal scrolling')
  await page.screenshot({ path: join(resultsDir, 'form-320-text200.png') })
  await ctx.close()
})

test('read aloud: shown only with an Indonesian voice, reads the question and its options', async () => {
  const sv = await server.survey()
  const form = await server.form(sv.slug)
  const plain = await phone(browser)
  const { page: p1 } = await open(plain, `${server.url}/s/${sv.slug}`)
  const hasIdVoice = await p1.evaluate(() => speechSynthesis.getVoices().some((v) => /^id/i.test(v.lang)))
  assert.equal(await p1.locator('.speak').first().isVisible(), hasIdVoice)
  await plain.close()

  const ctx = await phone(browser)
  await ctx.addInitScript(() => {
    const voice = { lang: 'id-ID', name: 'Test Indonesia', default: false, localService: true, voiceURI: 'test-id' }
    window.__spoken = []
    speechSynthesis.getVoices = () => [voice]
    speechSynthesis.speak = (u) => window.__spoken.push({ text: u.text, lang: u.lang })
    // The real utterance accepts only a real SpeechSynthesisVoice.
    window.SpeechSynthesisUtterance = class { constructor(text) { this.text = text } }
  })
  const { page } = await open(ctx, `${server.url}/s/${sv.slug}`)
  await page.locator('#lang').click() // the reading stays Indonesian in English mode
  await page.locator('#f-answers-U2 .speak').click()
  const [said] = await page.evaluate(() => window.__spoken)
  const u2 = form.questions.find((q) => q.code === 'U2')
  assert.equal(said.lang, 'id-ID')
  assert.ok(said.text.includes(u2.label.id), said.text)
  for (const o of u2.options) assert.ok(said.text.includes(o.label.id), o.label.id)
  await ctx.close()
})
