// Every string of the manager app, Indonesian first; the choice is remembered.
export type Lang = 'id' | 'en'
const KEY = 'suara.lang'
let current: Lang = (localStorage.getItem(KEY) as Lang) === 'en' ? 'en' : 'id'
export const lang = () => current
export function setLang(l: Lang) { current = l; localStorage.setItem(KEY, l); document.documentElement.lang = l }

const id = {
  app: 'Suara — aplikasi pengelola', skip: 'Lompat ke isi', login: 'Masuk', email: 'Surel', password: 'Kata sandi',
  loginTitle: 'Masuk ke aplikasi pengelola', loginFailed: 'Surel atau kata sandi salah.', logout: 'Keluar',
  switchLang: 'English', switchLangLabel: 'Switch to English', units: 'Unit layanan', noUnits: 'Belum ada unit dalam cakupan Anda.',
  period: 'Periode', kind: 'Jenis periode', year: 'Tahun', quarter: 'Triwulan', semester: 'Semester', custom: 'Rentang sendiri',
  from: 'Dari', to: 'Sampai', apply: 'Terapkan', which: 'Bagian',
  tDash: 'Dasbor', tComments: 'Komentar', tFollow: 'Tindak lanjut', tReports: 'Laporan & publikasi', tAdmin: 'Administrasi',
  ikm: 'Indeks Kepuasan Masyarakat (IKM)', grade: 'Mutu', noData: 'Belum ada jawaban pada periode ini.',
  respondents: 'Responden', required: 'sampel minimal', ofRequired: (a: string, b: string) => `${a} dari ${b} sampel minimal`,
  ci: 'Interval kepercayaan 95 %', change: 'Dibanding periode sebelumnya', noPrev: 'Tidak ada data periode sebelumnya',
  elements: 'Sembilan unsur pelayanan (NRR, skala 1–4)', priority: 'Prioritas', weakest: 'Unsur terlemah',
  trend: 'Tren IKM', monthly: 'Bulanan', quarterly: 'Triwulanan', interval: 'Interval',
  children: 'Unit di bawahnya', name: 'Unit', lastResponse: 'Jawaban terakhir', open: 'Buka', mean: 'Rata-rata',
  breakdown: 'Rincian menurut profil', dimension: 'Dimensi', group: 'Kelompok', hiddenGroups: (n: number) => `${n} kelompok dengan kurang dari 5 responden disembunyikan.`,
  gender: 'Jenis kelamin', age: 'Umur', education: 'Pendidikan', occupation: 'Pekerjaan', service: 'Jenis layanan',
  loading: 'Memuat…', notYet: 'Fitur ini belum tersedia di server.', error: 'Gagal memuat', retry: 'Coba lagi',
  search: 'Cari', maxScore: 'Nilai terendah paling tinggi', any: 'Semua', status: 'Status', stNew: 'Baru', stRead: 'Sudah dibaca', stAction: 'Perlu tindakan',
  markRead: 'Tandai dibaca', markAction: 'Perlu tindakan', markNew: 'Tandai baru', more: 'Muat lagi', noComments: 'Tidak ada komentar.',
  silent: 'Unit tanpa jawaban 7 hari terakhir', silentNone: 'Semua unit menerima jawaban dalam 7 hari terakhir.', never: 'belum pernah', daysSilent: (n: number) => `${n} hari`,
  score: 'Nilai terendah', day: 'Tanggal', comment: 'Komentar',
  followups: 'Rencana tindak lanjut', suggestions: 'Unsur yang disarankan', addFollow: 'Tambah tindak lanjut', element: 'Unsur',
  activity: 'Kegiatan', owner: 'Penanggung jawab', due: 'Tenggat', result: 'Hasil', save: 'Simpan', saved: 'Tersimpan.',
  planned: 'Direncanakan', in_progress: 'Sedang berjalan', done: 'Selesai', dropped: 'Dibatalkan', noFollow: 'Belum ada tindak lanjut.',
  reports: 'Laporan resmi', reportHtml: 'Laporan (HTML, siap cetak)', reportPdf: 'Laporan (PDF)', sheet: 'Lembar pengolahan (XLSX)',
  surveys: 'Periode survei', csv: 'Jawaban (CSV)', xlsx: 'Jawaban (XLSX)', qr: 'Kode QR', poster: 'Poster A4', citizenLink: 'Tautan warga',
  publish: 'Publikasikan hasil periode ini', published: 'Hasil dipublikasikan.', already: 'Periode ini sudah dipublikasikan.',
  publications: 'Publikasi', publicPage: 'Halaman hasil untuk publik', noPubs: 'Belum ada publikasi.', publishedAt: 'Dipublikasikan',
  aUnits: 'Unit', unitName: 'Nama unit', aNewUnit: 'Tambah unit di bawah unit ini', code: 'Kode', timezone: 'Zona waktu', create: 'Buat', rename: 'Ubah nama', del: 'Hapus unit ini',
  confirmDel: 'Hapus unit ini?', aServices: 'Jenis layanan', aNewService: 'Tambah layanan', aSurveys: 'Periode survei', aNewSurvey: 'Buat periode survei',
  title: 'Judul', startsOn: 'Mulai', endsOn: 'Selesai', population: 'Populasi (jumlah penerima layanan)', sampleLive: (n: string) => `Sampel minimal (Krejcie–Morgan): ${n} responden`,
  template: 'Kuesioner', close: 'Tutup survei', closed: 'Ditutup', openS: 'Dibuka', aUsers: 'Pengguna', aAudit: 'Log audit', auditAt: 'Waktu', auditWho: 'Oleh', auditWhat: 'Tindakan', auditObject: 'Objek', auditNone: 'Belum ada catatan.', role: 'Peran', aNewUser: 'Tambah pengguna',
  admin: 'Administrator', manager: 'Pengelola', viewer: 'Pembaca', scope: 'Cakupan unit', disable: 'Nonaktifkan', enable: 'Aktifkan', disabled: 'nonaktif',
  aTemplates: 'Kuesioner', copyBuiltIn: 'Salin kuesioner bawaan', versions: 'Versi', draft: 'Draf', publishV: 'Terbitkan', readOnly: 'Versi terbit tidak dapat diubah.',
  questionsJson: 'Pertanyaan (JSON)', saveDraft: 'Simpan sebagai draf baru', created: 'Dibuat.',
  m_single: 'Satu unit: semua jawaban unit ini.', m_pooled: 'IKM gabungan, bobot responden (unit ini dan unit di bawahnya).', m_mean: 'Rata-rata sederhana IKM unit di bawahnya.',
  perf: 'Kinerja', gradeOf: (g: string, p: string) => `Mutu ${g} (${p})`, noGrade: 'Belum ada mutu',
}
type Dict = typeof id
const en: Dict = {
  app: 'Suara — manager app', skip: 'Skip to content', login: 'Log in', email: 'Email', password: 'Password',
  loginTitle: 'Log in to the manager app', loginFailed: 'Wrong email or password.', logout: 'Log out',
  switchLang: 'Bahasa Indonesia', switchLangLabel: 'Ganti ke Bahasa Indonesia', units: 'Service units', noUnits: 'No units in your scope yet.',
  period: 'Period', kind: 'Period type', year: 'Year', quarter: 'Quarter', semester: 'Semester', custom: 'Custom range',
  from: 'From', to: 'To', apply: 'Apply', which: 'Part',
  tDash: 'Dashboard', tComments: 'Comments', tFollow: 'Follow-ups', tReports: 'Reports & publishing', tAdmin: 'Administration',
  ikm: 'Public Satisfaction Index (IKM)', grade: 'Grade', noData: 'No answers in this period yet.',
  respondents: 'Respondents', required: 'required sample', ofRequired: (a: string, b: string) => `${a} of ${b} required`,
  ci: '95 % confidence interval', change: 'Versus the previous period', noPrev: 'No data for the previous period',
  elements: 'The nine service elements (NRR, 1–4 scale)', priority: 'Priority', weakest: 'Weakest element',
  trend: 'IKM trend', monthly: 'Monthly', quarterly: 'Quarterly', interval: 'Interval',
  children: 'Units below', name: 'Unit', lastResponse: 'Last answer', open: 'Open', mean: 'Mean',
  breakdown: 'Breakdown by profile', dimension: 'Dimension', group: 'Group', hiddenGroups: (n: number) => `${n} groups with fewer than 5 respondents are hidden.`,
  gender: 'Gender', age: 'Age', education: 'Education', occupation: 'Occupation', service: 'Service',
  loading: 'Loading…', notYet: 'This feature is not available on the server yet.', error: 'Could not load', retry: 'Retry',
  search: 'Search', maxScore: 'Lowest score at most', any: 'All', status: 'Status', stNew: 'New', stRead: 'Read', stAction: 'Needs action',
  markRead: 'Mark read', markAction: 'Needs action', markNew: 'Mark new', more: 'Load more', noComments: 'No comments.',
  silent: 'Units without answers in the last 7 days', silentNone: 'Every unit received answers in the last 7 days.', never: 'never', daysSilent: (n: number) => `${n} days`,
  score: 'Lowest score', day: 'Date', comment: 'Comment',
  followups: 'Follow-up plan', suggestions: 'Suggested elements', addFollow: 'Add a follow-up', element: 'Element',
  activity: 'Activity', owner: 'Owner', due: 'Due', result: 'Result', save: 'Save', saved: 'Saved.',
  planned: 'Planned', in_progress: 'In progress', done: 'Done', dropped: 'Dropped', noFollow: 'No follow-ups yet.',
  reports: 'Official report', reportHtml: 'Report (HTML, printable)', reportPdf: 'Report (PDF)', sheet: 'Processing sheet (XLSX)',
  surveys: 'Survey periods', csv: 'Answers (CSV)', xlsx: 'Answers (XLSX)', qr: 'QR code', poster: 'A4 poster', citizenLink: 'Citizen link',
  publish: 'Publish this period\u2019s results', published: 'Results published.', already: 'This period is already published.',
  publications: 'Publications', publicPage: 'Public results page', noPubs: 'Nothing published yet.', publishedAt: 'Published',
  aUnits: 'Units', unitName: 'Unit name', aNewUnit: 'Add a unit below this one', code: 'Code', timezone: 'Time zone', create: 'Create', rename: 'Rename', del: 'Delete this unit',
  confirmDel: 'Delete this unit?', aServices: 'Services', aNewService: 'Add a service', aSurveys: 'Survey periods', aNewSurvey: 'Create a survey period',
  title: 'Title', startsOn: 'Starts', endsOn: 'Ends', population: 'Population (service users)', sampleLive: (n: string) => `Required sample (Krejcie–Morgan): ${n} respondents`,
  template: 'Questionnaire', close: 'Close survey', closed: 'Closed', openS: 'Open', aUsers: 'Users', aAudit: 'Audit log', auditAt: 'When', auditWho: 'By', auditWhat: 'Action', auditObject: 'Object', auditNone: 'No entries yet.', role: 'Role', aNewUser: 'Add a user',
  admin: 'Administrator', manager: 'Manager', viewer: 'Viewer', scope: 'Unit scope', disable: 'Disable', enable: 'Enable', disabled: 'disabled',
  aTemplates: 'Questionnaires', copyBuiltIn: 'Copy the built-in questionnaire', versions: 'Versions', draft: 'Draft', publishV: 'Publish', readOnly: 'Published versions are read-only.',
  questionsJson: 'Questions (JSON)', saveDraft: 'Save as a new draft', created: 'Created.',
  m_single: 'One unit: every answer at this unit.', m_pooled: 'Combined IKM weighted by respondents (this unit and the units below).', m_mean: 'Simple mean of the IKM of the units below.',
  perf: 'Performance', gradeOf: (g: string, p: string) => `Grade ${g} (${p})`, noGrade: 'No grade yet',
}
const dicts: Record<Lang, Dict> = { id, en }
export const t = () => dicts[current]

const locale = () => (current === 'id' ? 'id-ID' : 'en-GB')
export function num(v: number | null | undefined, digits = 2): string {
  if (v == null) return '–'
  return new Intl.NumberFormat(locale(), { minimumFractionDigits: digits, maximumFractionDigits: digits }).format(v)
}
export const int = (v: number | null | undefined) => (v == null ? '–' : new Intl.NumberFormat(locale()).format(v))
export function date(d: string | null | undefined): string {
  if (!d) return '–'
  const x = new Date(d.length === 10 ? d + 'T00:00:00Z' : d)
  if (isNaN(+x)) return d
  return new Intl.DateTimeFormat(locale(), { day: 'numeric', month: 'long', year: 'numeric', timeZone: d.length === 10 ? 'UTC' : 'Asia/Jakarta' }).format(x)
}
export function monthLabel(d: string): string {
  return new Intl.DateTimeFormat(locale(), { month: 'short', year: '2-digit', timeZone: 'UTC' }).format(new Date(d + 'T00:00:00Z'))
}
