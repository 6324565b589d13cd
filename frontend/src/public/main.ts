// The published results of one unit: /p/{unit_id} (or /public.html?u={unit_id}).
import './public.css'
import { h, replace } from '../app/dom'
import { t as _t, setLang, lang, num, int, date } from '../app/i18n'

const S = {
  id: {
    title: 'Hasil Survei Kepuasan Masyarakat', ikm: 'Indeks Kepuasan Masyarakat (IKM)', grade: 'Mutu pelayanan', resp: 'responden',
    period: 'Periode', published: 'Dipublikasikan', method: 'Cara menghitung',
    methodText: 'Warga menilai sembilan unsur pelayanan (persyaratan, prosedur, waktu, biaya, produk, kompetensi petugas, perilaku petugas, penanganan pengaduan, sarana) dengan nilai 1 sampai 4. Nilai rata-rata tiap unsur dibobot sama, dijumlahkan, lalu dikalikan 25 sehingga IKM berada antara 25 dan 100, sesuai Peraturan Menteri PANRB Nomor 14 Tahun 2017. Mutu A (88,31–100) Sangat Baik, B (76,61–88,30) Baik, C (65,00–76,60) Kurang Baik, D (25,00–64,99) Tidak Baik.',
    elements: 'Nilai per unsur', actions: 'Anda berkata, kami bertindak', noActions: 'Belum ada tindak lanjut yang dicatat.',
    planned: 'Direncanakan', in_progress: 'Sedang berjalan', done: 'Selesai', dropped: 'Dibatalkan', due: 'Tenggat',
    open: 'Data terbuka', openText: 'Angka lengkap hasil ini: indeks, mutu dan nilai per unsur', counts: 'Jumlah jawaban per unsur dan nilai, dengan metodenya, untuk menghitung ulang IKM', history: 'Publikasi sebelumnya', none: 'Hasil unit ini belum dipublikasikan.',
    late: (n: number) => `${n} jawaban yang terkirim terlambat (antrean luring) tidak mengubah angka yang dipublikasikan.`,
    notFound: 'Unit tidak ditemukan.', lang: 'English', langLabel: 'Switch to English',
    single: 'Angka ini dihitung dari semua jawaban warga di unit ini.',
    pooled: 'Angka ini adalah IKM gabungan dengan bobot responden: semua jawaban di unit ini dan unit di bawahnya dihitung bersama.',
    mean: 'Angka ini adalah rata-rata sederhana IKM unit-unit di bawahnya.',
  },
  en: {
    title: 'Public Satisfaction Survey results', ikm: 'Public Satisfaction Index (IKM)', grade: 'Service grade', resp: 'respondents',
    period: 'Period', published: 'Published', method: 'How it is computed',
    methodText: 'Citizens rate nine service elements (requirements, procedure, time, cost, product, staff competence, staff behaviour, complaint handling, facilities) from 1 to 4. Each element\u2019s mean is weighted equally, summed and multiplied by 25, so the IKM lies between 25 and 100, as set by PANRB Ministerial Regulation 14/2017. Grade A (88.31–100) Very good, B (76.61–88.30) Good, C (65.00–76.60) Fair, D (25.00–64.99) Poor.',
    elements: 'Score per element', actions: 'You said, we did', noActions: 'No follow-up recorded yet.',
    planned: 'Planned', in_progress: 'In progress', done: 'Done', dropped: 'Dropped', due: 'Due',
    open: 'Open data', openText: 'The full figures of this result: index, grade and per-element scores', counts: 'Answer counts per element and value, with the method, to recompute the index', history: 'Earlier publications', none: 'This unit has not published results yet.',
    late: (n: number) => `${n} answers that arrived late (offline queue) do not change the published figures.`,
    notFound: 'Unit not found.', lang: 'Bahasa Indonesia', langLabel: 'Ganti ke Bahasa Indonesia',
    single: 'This figure is computed from every citizen answer at this unit.',
    pooled: 'This is the combined IKM weighted by respondents: every answer at this unit and the units below it is counted together.',
    mean: 'This is the simple mean of the IKM of the units below.',
  },
}
void _t
const root = document.getElementById('root')!
const m = location.pathname.match(/^\/p\/([^/]+)/)
const unitId = m ? decodeURIComponent(m[1]) : new URLSearchParams(location.search).get('u') || ''

async function get(path: string) {
  const r = await fetch(path, { headers: { Accept: 'application/json', 'Accept-Language': lang() } })
  if (!r.ok) throw Object.assign(new Error(`HTTP ${r.status}`), { status: r.status })
  return r.json()
}

let data: any = null, pubs: any[] = [], err = 0
async function start() {
  document.documentElement.lang = lang()
  if (!unitId) { err = 404; return render() }
  try {
    ;[data, pubs] = await Promise.all([
      get(`/api/v1/public/units/${encodeURIComponent(unitId)}/ikm`),
      get(`/api/v1/public/units/${encodeURIComponent(unitId)}/publications`).then((r) => r.items ?? [], () => []),
    ])
  } catch (e) { err = (e as any).status || 500 }
  render()
}

function render() {
  const L = S[lang()]
  document.documentElement.lang = lang()
  document.title = `${L.title} — Suara`
  const sw = h('button', { type: 'button', class: 'lang', lang: lang() === 'id' ? 'en' : 'id', 'aria-label': L.langLabel, onclick: () => { setLang(lang() === 'id' ? 'en' : 'id'); render() } }, L.lang)
  if (!data) { replace(root, h('header', { class: 'bar' }, h('span', null, 'Suara'), sw), h('h1', null, L.title), h('p', { role: 'alert' }, err === 404 ? L.notFound : `${L.none}`)); return }
  const d = data
  const status = (s: string) => (L as any)[s] ?? s
  replace(root,
    h('header', { class: 'bar' }, h('span', null, 'Suara'), sw),
    h('h1', null, L.title, d.unit_name || d.unit?.name ? h('span', { class: 'unit' }, d.unit_name || d.unit?.name) : null),
    h('section', { class: 'hero', 'aria-labelledby': 'h-ikm' },
      h('h2', { id: 'h-ikm' }, L.ikm),
      d.ikm == null ? h('p', null, L.none) : [
        h('p', { class: 'big' }, h('span', { id: 'public-ikm' }, num(d.ikm)),
          d.grade && h('span', { class: `grade g-${d.grade}`, id: 'public-grade' }, h('b', { 'aria-hidden': 'true' }, d.grade), h('span', null, `${L.grade}: ${d.grade}${d.performance ? ` (${d.performance})` : ''}`))),
      ],
      h('p', null, h('span', { id: 'public-respondents' }, `${int(d.respondents)} ${L.resp}`), ' · ', `${L.period}: ${date(d.from)} – ${date(d.to)}`,
        d.published_at ? ` · ${L.published}: ${date(d.published_at)}` : ''),
      d.late_responses ? h('p', { class: 'muted' }, L.late(d.late_responses)) : null),
    d.elements?.length ? h('section', { 'aria-labelledby': 'h-el' }, h('h2', { id: 'h-el' }, L.elements),
      h('table', null, h('tbody', null, d.elements.map((e: any) => h('tr', null, h('th', { scope: 'row' }, `${e.code} ${e.name}`), h('td', null, num(e.nrr)), h('td', null, e.grade ?? '–')))))) : null,
    h('section', { 'aria-labelledby': 'h-act' }, h('h2', { id: 'h-act' }, L.actions),
      d.followups?.length ? h('ul', { class: 'actions', id: 'public-followups' }, d.followups.map((f: any) => h('li', null,
        h('p', null, h('strong', null, f.element), ' — ', f.activity),
        h('p', { class: 'muted' }, h('span', { class: `st st-${f.status}` }, status(f.status)), f.due ? ` · ${L.due} ${date(f.due)}` : '', f.result ? ` · ${f.result}` : ''))))
        : h('p', null, L.noActions)),
    h('section', { 'aria-labelledby': 'h-method' }, h('h2', { id: 'h-method' }, L.method), h('p', null, L.methodText), d.method && (L as any)[d.method] ? h('p', { id: 'public-method' }, (L as any)[d.method]) : null),
    h('section', { 'aria-labelledby': 'h-open' }, h('h2', { id: 'h-open' }, L.open),
      h('p', null, h('a', { href: `/api/v1/public/units/${encodeURIComponent(unitId)}/ikm`, id: 'open-data' }, `${L.openText} (JSON)`)),
      d.publication_id ? h('p', null, `${L.counts}: `,
        h('a', { href: `${countsBase(d.publication_id)}.json`, id: 'open-counts-json' }, 'JSON'), ' · ',
        h('a', { href: `${countsBase(d.publication_id)}.csv`, id: 'open-counts-csv' }, 'CSV')) : null),
    pubs.length > 1 ? h('section', { 'aria-labelledby': 'h-hist' }, h('h2', { id: 'h-hist' }, L.history),
      h('ul', null, pubs.map((p: any) => h('li', null, `${date(p.from)} – ${date(p.to)}`, p.ikm != null ? ` · IKM ${num(p.ikm)}` : '', p.grade ? ` (${p.grade})` : '')))) : null)
}
function countsBase(pid: string) {
  return `/api/v1/public/units/${encodeURIComponent(unitId)}/publications/${encodeURIComponent(pid)}/counts`
}
start()
