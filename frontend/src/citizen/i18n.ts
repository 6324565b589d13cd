// Every string of the citizen page, Indonesian first, English second.
// Field-error messages (e_*) use the API's error codes so that a server
// 422 and the page's own checks say the same thing.
import type { Lang, Text } from './types'

const T = {
  title: ['Survei Kepuasan Masyarakat', 'Public Satisfaction Survey'],
  otherLang: ['English', 'Bahasa Indonesia'],
  otherLangAria: ['Switch to English', 'Ganti ke Bahasa Indonesia'],
  loading: ['Memuat survei…', 'Loading the survey…'],
  period: ['Periode {from} – {to}', 'Period {from} – {to}'],
  intro: ['Jawaban Anda anonim dan membantu memperbaiki pelayanan. Cukup sekitar satu menit.',
    'Your answers are anonymous and help improve the service. It takes about a minute.'],
  progress: ['{n} dari {total} terjawab', '{n} of {total} answered'],
  questionOf: ['Pertanyaan {n} dari {total}', 'Question {n} of {total}'],
  optional: ['(tidak wajib)', '(optional)'],
  whereHeading: ['Layanan yang Anda terima', 'The service you received'],
  unitPick: ['Unit layanan yang Anda kunjungi', 'The service unit you visited'],
  servicePick: ['Jenis layanan', 'Type of service'],
  choose: ['— Pilih —', '— Choose —'],
  ratingHeading: ['Penilaian pelayanan', 'Rating the service'],
  profileHeading: ['Tentang Anda', 'About you'],
  profileNote: ['Hanya untuk statistik; nama Anda tidak dicatat.', 'For statistics only; your name is not recorded.'],
  chars: ['{n} / {max} karakter', '{n} / {max} characters'],
  readAloud: ['Bacakan', 'Read aloud'],
  readAloudAria: ['Bacakan pertanyaan {n}', 'Read question {n} aloud'],
  choices: ['Pilihan', 'Choices'],
  submit: ['Kirim', 'Send'],
  sending: ['Mengirim…', 'Sending…'],
  summary: ['Mohon periksa {n} isian berikut', 'Please check the following {n} fields'],
  thanks: ['Terima kasih!', 'Thank you!'],
  thanksBody: ['Jawaban Anda membantu memperbaiki pelayanan publik.', 'Your answers help improve public services.'],
  receipt: ['Nomor tanda terima', 'Receipt number'],
  answeredAt: ['Diisi {when}', 'Answered {when}'],
  sent: ['Terkirim', 'Sent'],
  sendingState: ['Sedang mengirim…', 'Sending…'],
  waiting: ['Menunggu jaringan — jawaban Anda aman tersimpan di ponsel ini',
    'Waiting for the network — your answers are safely stored on this phone'],
  queued: ['{n} jawaban menunggu dikirim', '{n} answers waiting to be sent'],
  sentQueued: ['Terkirim — semua jawaban sudah diterima', 'Sent — all answers have been received'],
  kioskNext: ['Formulir baru dalam {n} detik', 'A new form in {n} seconds'],
  newForm: ['Mulai survei baru', 'Start a new survey'],
  notFound: ['Survei tidak ditemukan', 'Survey not found'],
  notFoundBody: ['Periksa kembali tautan atau kode QR yang Anda pindai.', 'Please check the link or the QR code you scanned.'],
  closed: ['Survei sudah ditutup', 'This survey is closed'],
  closedBody: ['Periode survei ini telah berakhir. Terima kasih atas kesediaan Anda.',
    'This survey period has ended. Thank you for your willingness to take part.'],
  offline: ['Survei belum dapat dimuat', 'The survey could not be loaded'],
  offlineBody: ['Periksa sinyal atau koneksi internet Anda, lalu coba lagi.', 'Check your signal or internet connection, then try again.'],
  tryAgain: ['Coba lagi', 'Try again'],
  rejected: ['Jawaban belum dapat diterima.', 'The answers could not be accepted.'],
  // The API's own wording (api/messages.go, fieldMessages) for the codes a
  // submission can fail with; codes whose arguments only the server knows
  // (too_old's days) show the server's message instead.
  e_required: ['Wajib diisi.', 'Required.'],
  e_uuid: ['Harus berupa UUID.', 'Must be a UUID.'],
  e_out_of_range: ['Nilai harus antara {min} dan {max}.', 'Must be between {min} and {max}.'],
  e_max_len: ['Paling banyak {max} karakter.', 'Must be at most {max} characters.'],
  e_invalid_choice: ['Pilihan tidak dikenal.', 'Not one of the allowed choices.'],
  e_unknown: ['Kolom tidak dikenal.', 'Unknown field.'],
  e_not_in_unit: ['Tidak termasuk unit yang dipilih.', 'Does not belong to the chosen unit.'],
  e_in_future: ['Waktu pengisian ada di masa depan.', 'The time answered is in the future.'],
  e_before_start: ['Waktu pengisian sebelum survei dibuka.', 'The time answered is before the survey opened.'],
  e_invalid: ['Isian tidak sah.', 'Invalid value.'],
} satisfies Record<string, [string, string]>

export type Key = keyof typeof T
const KEY = 'suara.lang'

let lang: Lang = readLang()

function readLang(): Lang {
  try { return localStorage.getItem(KEY) === 'en' ? 'en' : 'id' } catch { return 'id' }
}

export const getLang = () => lang

export function setLang(l: Lang, remember = true) {
  lang = l
  document.documentElement.lang = l
  if (remember) try { localStorage.setItem(KEY, l) } catch { /* private mode: session only */ }
}

export const has = (k: string): k is Key => k in T

export function t(k: Key, vars: Record<string, string | number> = {}): string {
  return T[k][lang === 'id' ? 0 : 1].replace(/\{(\w+)\}/g, (_, v) => {
    const x = vars[v]
    return typeof x === 'number' ? num(x) : String(x ?? '')
  })
}

// pick chooses the label in the page language, falling back to Indonesian.
export const pick = (x: Text) => (lang === 'en' && x.en) || x.id

const locale = () => (lang === 'id' ? 'id-ID' : 'en-GB')
export const num = (n: number) => n.toLocaleString(locale())

// date formats a YYYY-MM-DD as a calendar date ("1 Januari 2026"), read as
// a date and not as UTC midnight so no time zone moves it a day.
export function date(ymd: string): string {
  const [y, m, d] = ymd.split('-').map(Number)
  if (!y || !m || !d) return ymd
  return new Date(y, m - 1, d).toLocaleDateString(locale(), { day: 'numeric', month: 'long', year: 'numeric' })
}

// when formats an RFC 3339 moment in the device's time ("26 November 2026 pukul 09.41").
export const when = (iso: string) =>
  new Date(iso).toLocaleString(locale(), { dateStyle: 'long', timeStyle: 'short' })
