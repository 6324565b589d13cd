// End-to-end test of the manager app and the public results page in
// headless Chromium against the real server (see harness.mjs): data made
// through the API, then what a unit manager does on a laptop and a tablet.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { randomUUID, randomBytes } from 'node:crypto'
import AxeBuilder from '@axe-core/playwright'
import { startServer, launchBrowser, watch, resultsDir, jakartaDate } from './harness.mjs'

let server, browser
before(async () => {
  ;[server, browser] = await Promise.all([startServer(), launchBrowser()])
})
after(async () => {
  await browser?.close()
  await server?.stop()
})

const idNum = (v) => new Intl.NumberFormat('id-ID', { minimumFractionDigits: 2, maximumFractionDigits: 2 }).format(v)

// The answers of one citizen: every element `base` except `weak`, which
// gets `low`; the first option of every profile question.
function submission(form, unitId, weak, low, base = 4) {
  const body = { client_id: randomUUID(), unit_id: unitId, answers: {}, profile: {}, comment: `Komentar uji ${weak}` }
  form.questions.forEach((q, i) => {
    if (q.kind === 'element') body.answers[q.code] = q.code === weak ? low : (i % 2 ? base : base - 1)
    else if (q.kind === 'choice') body.profile[q.code] = q.options[0].value
    else if (q.kind === 'number') body.profile[q.code] = q.min ? q.min + 20 : 34
  })
  return body
}

async function axe(page, what) {
  const r = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze()
  assert.deepEqual(r.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`), [], `axe on ${what}`)
}

async function exists(path) {
  const res = await fetch(server.url + path, { headers: { Authorization: `Bearer ${server.token}` } })
  return ![404, 405, 501].includes(res.status)
}

test('manager: log in, unit and quarter, IKM as the API says, drill down, follow-up, publish, public page', async () => {
  // Data: a parent with two children, one "no wrong door" survey on the parent,
  // answers for each child through the public route.
  const sfx = randomBytes(3).toString('hex')
  const parent = await server.api('POST', '/api/v1/units', { name: `Dinas Uji ${sfx}`, code: `DIN-${sfx}`, timezone: 'Asia/Jakarta' })
  const childA = await server.api('POST', '/api/v1/units', { name: `Puskesmas Anggrek ${sfx}`, code: `PKM-A-${sfx}`, timezone: 'Asia/Jakarta', parent_id: parent.id })
  const childB = await server.api('POST', '/api/v1/units', { name: `Puskesmas Bougenvil ${sfx}`, code: `PKM-B-${sfx}`, timezone: 'Asia/Jakarta', parent_id: parent.id })
  const { items: tpls } = await server.api('GET', '/api/v1/templates')
  const tpl = tpls.find((t) => t.code === 'permenpanrb-14-2017')
  const sv = await server.api('POST', '/api/v1/surveys', {
    unit_id: parent.id, template_version_id: tpl.latest_version_id, title: 'Survei Triwulan Uji',
    starts_on: jakartaDate(-30), ends_on: jakartaDate(30), population: 200,
  })
  const form = await server.form(sv.slug)
  const post = (b) => server.api('POST', `/api/v1/public/surveys/${sv.slug}/responses`, b)
  for (let i = 0; i < 7; i++) await post(submission(form, childA.id, 'U3', 1 + (i % 2)))
  for (let i = 0; i < 6; i++) await post(submission(form, childB.id, 'U8', 2, 4))

  // A manager whose scope is the parent.
  const email = `manajer-${sfx}@example.test`, password = 'rahasia-' + randomBytes(6).toString('hex')
  await server.api('POST', '/api/v1/users', { email, password, role: 'manager', unit_ids: [parent.id] })

  const today = jakartaDate()
  const year = +today.slice(0, 4), quarter = Math.floor((+today.slice(5, 7) - 1) / 3) + 1
  const qFrom = `${year}-${String((quarter - 1) * 3 + 1).padStart(2, '0')}-01`
  const qTo = new Date(Date.UTC(year, quarter * 3, 0)).toISOString().slice(0, 10)
  const expected = await server.api('GET', `/api/v1/units/${parent.id}/ikm?from=${qFrom}&to=${qTo}`)
  const expectedA = await server.api('GET', `/api/v1/units/${childA.id}/ikm?from=${qFrom}&to=${qTo}`)
  assert.equal(expected.respondents, 13)
  assert.ok(expected.ikm != null)

  const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'id-ID', timezoneId: 'Asia/Jakarta' })
  const page = await ctx.newPage()
  const problems = watch(page, server.url)

  // Log in.
  await page.goto(`${server.url}/app/`)
  await page.locator('#login-email').fill(email)
  await page.locator('#login-password').fill(password)
  await page.locator('#login-submit').click()

  // The tree holds the scope: the parent and its two children, nothing else.
  await page.locator(`[data-unit="${parent.id}"]`).waitFor()
  assert.equal(await page.locator('[data-unit]').count(), 3)
  await page.locator(`[data-unit="${parent.id}"]`).click()
  await page.locator('#unit-name', { hasText: parent.name }).waitFor()

  // The quarter.
  await page.locator('#period-kind').selectOption('q')
  await page.locator('#period-n').selectOption(String(quarter))
  await page.waitForURL((u) => u.searchParams.get('k') === 'q' && u.searchParams.get('n') === String(quarter))
  await page.locator('#ikm-value').waitFor()
  assert.equal((await page.locator('#ikm-value').textContent()).trim(), idNum(expected.ikm), 'the IKM shown is the API\'s, in Indonesian format')
  assert.match(await page.locator('#ikm-grade').textContent(), new RegExp(`Mutu ${expected.grade} \\(${expected.performance}\\)`))
  assert.match(await page.locator('#respondents').textContent(), /13/)
  assert.ok(expected.weakest.length > 0)
  const weakText = await page.locator('#weakest').textContent()
  assert.ok(weakText.includes(expected.weakest[0]), `weakest element ${expected.weakest[0]} in "${weakText}"`)
  for (const code of expected.weakest) {
    assert.ok(await page.locator(`#element-list li[data-element="${code}"].priority`).count(), `${code} marked as a priority`)
  }
  // Children table with both children, the trend chart.
  await page.locator(`#children-table tr[data-child="${childA.id}"]`).waitFor()
  await page.locator(`#children-table tr[data-child="${childB.id}"]`).waitFor()
  await page.locator('#trend svg').waitFor()
  await page.waitForFunction(() => !document.querySelector('[aria-busy]') && ![...document.querySelectorAll('#children-table td.weak')].some((td) => td.textContent === '…'))
  await axe(page, 'the dashboard')
  await page.screenshot({ path: join(resultsDir, 'manager-dashboard-1280x800.png') })
  await page.screenshot({ path: join(resultsDir, 'manager-dashboard-1280x800-full.png'), fullPage: true })
  await page.setViewportSize({ width: 768, height: 1024 })
  await page.screenshot({ path: join(resultsDir, 'manager-dashboard-768x1024.png') })
  await page.screenshot({ path: join(resultsDir, 'manager-dashboard-768x1024-full.png'), fullPage: true })
  await axe(page, 'the dashboard on a tablet')
  await page.setViewportSize({ width: 1280, height: 800 })

  // Drill into child A: its own IKM, same period.
  await page.locator(`#children-table tr[data-child="${childA.id}"] a.drill`).click()
  await page.locator('#unit-name', { hasText: childA.name }).waitFor()
  await page.locator('#ikm-value', { hasText: idNum(expectedA.ikm) }).waitFor()
  assert.ok((await page.locator('#weakest').textContent()).includes('U3'), 'U3 is child A\'s weakest element')
  assert.equal(new URL(page.url()).searchParams.get('n'), String(quarter), 'the period is kept on drill-down')

  // A follow-up for the weakest element.
  await page.locator('#tab-follow').click()
  await page.locator('#fu-element option[value="U3"]').waitFor({ state: 'attached' })
  assert.equal(await page.locator('#fu-element').inputValue(), 'U3', 'the weakest element is offered first')
  const activity = `Menambah loket antrean ${sfx}`
  await page.locator('#fu-activity').fill(activity)
  await page.locator('#fu-owner').fill('Kepala Puskesmas')
  await page.locator('#fu-due').fill(jakartaDate(30))
  await page.locator('#fu-submit').click()
  await page.locator('#fu-table td', { hasText: activity }).waitFor()
  const fus = await server.api('GET', `/api/v1/units/${childA.id}/followups`)
  assert.equal(fus.items.length, 1)
  assert.equal(fus.items[0].element, 'U3')
  assert.equal(fus.items[0].activity, activity)
  assert.equal(fus.items[0].status, 'planned')
  await axe(page, 'the follow-up tab')

  // Comments (when the server has them): the citizens' comments of child A.
  await page.locator('#tab-comments').click()
  if (await exists(`/api/v1/units/${childA.id}/comments`)) {
    await page.locator('#comment-list li').first().waitFor()
    assert.ok((await page.locator('#comment-list').textContent()).includes('Komentar uji U3'))
  } else {
    await page.locator('#h-comments ~ p[role=status]', { hasText: 'belum tersedia' }).waitFor()
  }
  await axe(page, 'the comments tab')

  // Administration: the required sample is computed live (Krejcie–Morgan).
  await page.locator('#tab-admin').click()
  await page.locator('#ns-pop').fill('200')
  assert.equal(await page.locator('#ns-sample').textContent(), `Sampel minimal (Krejcie–Morgan): ${sv.required_sample} responden`)
  await page.locator('#ns-pop').fill('12000')
  assert.match(await page.locator('#ns-sample').textContent(), /: 372 responden$/) // 372,22 rounded to the nearest
  await page.waitForFunction(() => !document.querySelector('[aria-busy]'))
  await axe(page, 'the administration tab')

  // Publish the quarter (when the server has publications).
  const canPublish = await exists(`/api/v1/units/${childA.id}/publications`)
  await page.locator('#tab-reports').click()
  await page.locator('#publish').click()
  await page.locator('#publish-status:not(:empty)').waitFor()
  const pubText = await page.locator('#publish-status').textContent()
  if (canPublish) {
    assert.equal(pubText, 'Hasil dipublikasikan.')
    const pubs = await server.api('GET', `/api/v1/units/${childA.id}/publications`)
    assert.ok(pubs.items.some((p) => p.from === qFrom && p.to === qTo), 'the quarter is published')
  } else {
    assert.equal(pubText, 'Fitur ini belum tersedia di server.')
  }
  await axe(page, 'the reports tab')
  assert.deepEqual(problems, [])

  // The public page of child A, no login.
  const pub = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'id-ID', timezoneId: 'Asia/Jakarta' })
  const pp = await pub.newPage()
  const pubProblems = watch(pp, server.url)
  const res = await pp.goto(`${server.url}/p/${childA.id}`)
  if (res.status() === 404) await pp.goto(`${server.url}/public.html?u=${childA.id}`) // until the server maps /p/*
  const publicIKM = await fetch(`${server.url}/api/v1/public/units/${childA.id}/ikm`).then((r) => r.json())
  await pp.locator('#public-ikm').waitFor()
  assert.equal((await pp.locator('#public-ikm').textContent()).trim(), idNum(publicIKM.ikm))
  if (canPublish) assert.equal(publicIKM.ikm, expectedA.ikm, 'the published IKM is the quarter\'s')
  if (publicIKM.followups) assert.ok((await pp.locator('#public-followups').textContent()).includes(activity))
  await axe(pp, 'the public page')
  await pp.screenshot({ path: join(resultsDir, 'public-1280x800.png'), fullPage: true })
  assert.deepEqual(pubProblems, [])
  await pub.close()

  // Log out: the session is gone, a reload shows the login form again.
  await page.locator('#logout').click()
  await page.locator('#login-email').waitFor()
  await page.reload()
  await page.locator('#login-email').waitFor()
  await ctx.close()
})

test('manager: wrong password is refused with a message; the English switch is remembered', async () => {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } })
  const page = await ctx.newPage()
  await page.goto(`${server.url}/app/`)
  await page.locator('#login-email').fill('admin@example.test')
  await page.locator('#login-password').fill('salah-sekali')
  await page.locator('#login-submit').click()
  await page.locator('#login-error', { hasText: 'Surel atau kata sandi salah.' }).waitFor()
  await page.getByRole('button', { name: 'Switch to English' }).click()
  await page.locator('h1', { hasText: 'Log in to the manager app' }).waitFor()
  await page.reload()
  await page.locator('h1', { hasText: 'Log in to the manager app' }).waitFor()
  assert.equal(await page.evaluate(() => document.documentElement.lang), 'en')
  await axe(page, 'the login page')
  await ctx.close()
})

// Comments (masked), marking them, search, silent units, suggestions,
// publishing twice (409) and the published page, all against the real
// server: the same payloads the page.route contract used to stand in for.
test('manager: comments, silent units, suggestions, publishing and the public page', async () => {
  // Data: a kecamatan with a survey open since 30 days ago, two answers
  // with comments (one with a phone number and a NIK), and a counter
  // below it that never received an answer.
  const sfx = randomBytes(3).toString('hex')
  const unit = await server.api('POST', '/api/v1/units', { name: `Kecamatan Komentar ${sfx}`, code: `KEC-KOM-${sfx}`, timezone: 'Asia/Jakarta' })
  await server.api('POST', '/api/v1/units', { name: `Loket Sepi ${sfx}`, code: `LOKET-${sfx}`, timezone: 'Asia/Jakarta', parent_id: unit.id })
  const { items: tpls } = await server.api('GET', '/api/v1/templates')
  const tpl = tpls.find((t) => t.code === 'permenpanrb-14-2017')
  const sv = await server.api('POST', '/api/v1/surveys', {
    unit_id: unit.id, template_version_id: tpl.latest_version_id, title: 'Survei Komentar', starts_on: jakartaDate(-30), ends_on: jakartaDate(30), population: 100,
  })
  const form = await server.form(sv.slug)
  const post = (b) => server.api('POST', `/api/v1/public/surveys/${sv.slug}/responses`, b)
  const r1 = (await post({ ...submission(form, unit.id, 'U3', 2), comment: 'Antrean lama, hubungi saya di 0812-3456-7890 (NIK 3201012345670001).' })).id
  const r2 = (await post({ ...submission(form, unit.id, 'U3', 1), comment: 'Ruang tunggu panas.' })).id

  const today = jakartaDate(), year = today.slice(0, 4)
  const idDate = (d) => new Intl.DateTimeFormat('id-ID', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' }).format(new Date(d + 'T00:00:00Z'))
  const email = `admin2-${sfx}@example.test`, password = 'rahasia-' + randomBytes(6).toString('hex')
  await server.api('POST', '/api/v1/users', { email, password, role: 'admin' })
  const ctx = await browser.newContext({ viewport: { width: 768, height: 1024 }, locale: 'id-ID', timezoneId: 'Asia/Jakarta' })
  const page = await ctx.newPage()
  const problems = watch(page, server.url)

  await page.goto(`${server.url}/app/?u=${unit.id}&k=y&y=${year}&tab=comments`)
  await page.locator('#login-email').fill(email)
  await page.locator('#login-password').fill(password)
  await page.locator('#login-submit').click()
  await page.locator(`#comment-list li[data-response="${r1}"]`).waitFor()
  assert.equal(await page.locator('#comment-list li').count(), 2)
  const listText = await page.locator('#comment-list').textContent()
  assert.ok(listText.includes(idDate(today)), `today's date in "${listText}"`)
  assert.ok(!listText.includes('0812') && !listText.includes('3201012345670001'), 'the phone number and the NIK are masked')
  assert.ok((await page.locator(`#comment-list li[data-response="${r1}"] blockquote`).textContent()).includes('****-****-****'))
  await page.locator(`#comment-list li[data-response="${r1}"] button`, { hasText: 'Tandai dibaca' }).click()
  await page.locator(`#comment-list li[data-response="${r1}"] .chip`, { hasText: 'Sudah dibaca' }).waitFor()
  const read = await server.api('GET', `/api/v1/units/${unit.id}/comments?status=read`)
  assert.deepEqual(read.items.map((c) => c.response_id), [r1])
  const audit = await server.api('GET', `/api/v1/audit?entity=response&entity_id=${r1}`)
  assert.equal(audit.items[0]?.action, 'comment.status')
  assert.equal(audit.items[0]?.actor_email, email)
  await page.locator('#c-q').fill('panas')
  await page.locator('#c-q').press('Enter')
  await page.waitForFunction(() => document.querySelectorAll('#comment-list li').length === 1)
  assert.equal(await page.locator('#comment-list li').getAttribute('data-response'), r2)
  await page.locator('#silent-list', { hasText: `Loket Sepi ${sfx}` }).waitFor()
  await page.waitForFunction(() => !document.querySelector('[aria-busy]'))
  await axe(page, 'the comments tab with comments')

  // The audit log on the administration tab shows that change and who made it.
  await page.locator('#tab-admin').click()
  const entry = page.locator('#audit-rows tr', { hasText: 'comment.status' }).first()
  await entry.waitFor()
  assert.ok((await entry.textContent()).includes(email), 'the audit row names the administrator')
  await page.waitForFunction(() => !document.querySelector('[aria-busy]'))
  await axe(page, 'the administration tab with the audit log')

  // Suggestions: the weakest element first, with the API's NRR.
  const sugg = await server.api('GET', `/api/v1/units/${unit.id}/followups/suggestions?from=${year}-01-01&to=${year}-12-31`)
  assert.equal(sugg.items[0].element, 'U3')
  await page.locator('#tab-follow').click()
  await page.locator('#fu-suggestions', { hasText: `U3 ${sugg.items[0].name}` }).waitFor()
  assert.ok((await page.locator('#fu-suggestions').textContent()).includes(idNum(sugg.items[0].nrr)))

  // Publish the year, then again: 409.
  await page.locator('#tab-reports').click()
  await page.locator('#publish').click()
  await page.locator('#publish-status', { hasText: 'Hasil dipublikasikan.' }).waitFor()
  await page.locator('#pub-list li').waitFor()
  const pubs = await server.api('GET', `/api/v1/units/${unit.id}/publications`)
  assert.deepEqual(pubs.items.map((p) => [p.from, p.to]), [[`${year}-01-01`, `${year}-12-31`]])
  await page.locator('#publish').click()
  await page.locator('#publish-status', { hasText: 'Periode ini sudah dipublikasikan.' }).waitFor()
  assert.equal(await page.locator('#public-link').getAttribute('href'), `/p/${unit.id}`)
  assert.deepEqual(problems, [])
  await ctx.close()

  // After publishing: a follow-up is done, and one more answer arrives
  // (listed as late, the published number stays).
  const fu = await server.api('POST', `/api/v1/units/${unit.id}/followups`, { element: 'U3', activity: 'Menambah satu loket pada jam sibuk', due: jakartaDate(20) })
  await server.api('PATCH', `/api/v1/followups/${fu.id}`, { status: 'done', result: 'Antrean rata-rata turun dari 40 ke 15 menit' })
  await post(submission(form, unit.id, 'U1', 1, 2))

  const pub = await browser.newContext({ viewport: { width: 360, height: 740 }, locale: 'id-ID' })
  const pp = await pub.newPage()
  const pubProblems = watch(pp, server.url)
  await pp.goto(`${server.url}/p/${unit.id}`)
  await pp.locator('#public-ikm', { hasText: idNum(pubs.items[0].ikm) }).waitFor()
  const pubIKM = await fetch(`${server.url}/api/v1/public/units/${unit.id}/ikm`).then((r) => r.json())
  assert.equal(pubIKM.ikm, pubs.items[0].ikm, 'the public index is the frozen one')
  assert.equal(pubIKM.late_responses, 1)
  assert.match(await pp.locator('#public-grade').textContent(), new RegExp(`${pubIKM.grade} \\(${pubIKM.performance}\\)`))
  assert.match(await pp.locator('#public-respondents').textContent(), /2 responden/)
  const text = await pp.locator('main').textContent()
  assert.ok(text.includes(`1 Januari ${year} – 31 Desember ${year}`))
  assert.ok(text.includes(idDate(today)), 'published date')
  assert.ok(text.includes('1 jawaban yang terkirim terlambat'), 'the late answer is listed')
  assert.ok(text.includes('Anda berkata, kami bertindak'))
  assert.match(await pp.locator('#public-followups').textContent(), /Menambah satu loket.*Selesai/s)
  assert.match(await pp.locator('#public-method').textContent(), /semua jawaban warga/)
  // Open data recomputes to the published number's inputs.
  const countsHref = await pp.locator('#open-counts-json').getAttribute('href')
  assert.equal(countsHref, `/api/v1/public/units/${unit.id}/publications/${pubs.items[0].id}/counts.json`, 'the page links the open data')
  assert.match(await pp.locator('#open-counts-csv').getAttribute('href'), /counts\.csv$/)
  const open = await fetch(server.url + countsHref).then((r) => r.json())
  assert.equal(open.counts.respondents, 2)
  assert.equal(open.method.conversion, 25)
  await axe(pp, 'the public page with a publication')
  await pp.screenshot({ path: join(resultsDir, 'public-360x740-published.png'), fullPage: true })
  assert.deepEqual(pubProblems, [])
  await pub.close()
})
