package api

import (
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
)

// Languages: Indonesian is the default, English on request.
const (
	langID = "id"
	langEN = "en"
)

// language picks id or en from Accept-Language by quality, id by default.
func language(r *http.Request) string {
	best, bestQ := langID, -1.0
	for _, part := range strings.Split(r.Header.Get("Accept-Language"), ",") {
		tag, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		q := 1.0
		if v, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			if f, err := strconv.ParseFloat(v, 64); err == nil {
				q = f
			}
		}
		base, _, _ := strings.Cut(strings.ToLower(strings.TrimSpace(tag)), "-")
		if (base == langID || base == langEN) && q > bestQ && q > 0 {
			best, bestQ = base, q
		}
	}
	return best
}

type text struct{ id, en string }

func (t text) in(lang string) string {
	if lang == langEN {
		return t.en
	}
	return t.id
}

// fieldMessages renders a field error's code. {name} is replaced by the
// error's argument of that name.
var fieldMessages = map[string]text{
	"required":       {"Wajib diisi.", "Required."},
	"uuid":           {"Harus berupa UUID.", "Must be a UUID."},
	"out_of_range":   {"Nilai harus antara {min} dan {max}.", "Must be between {min} and {max}."},
	"want_value":     {"Harus bernilai {want}.", "Must be {want}."},
	"min":            {"Nilai paling kecil {min}.", "Must be at least {min}."},
	"max":            {"Nilai paling besar {max}.", "Must be at most {max}."},
	"min_len":        {"Paling sedikit {min} karakter.", "Must be at least {min} characters."},
	"max_len":        {"Paling banyak {max} karakter.", "Must be at most {max} characters."},
	"max_items":      {"Paling banyak {max} butir.", "Must have at most {max} items."},
	"len":            {"Harus berisi tepat {n} butir.", "Must have exactly {n} items."},
	"invalid_choice": {"Pilihan tidak dikenal.", "Not one of the allowed choices."},
	"unknown":        {"Kolom tidak dikenal.", "Unknown field."},
	"invalid_type":   {"Jenis nilai salah (seharusnya {want}).", "Wrong type of value (want {want})."},
	"invalid_format": {"Format tidak sah.", "Invalid format."},
	"email":          {"Alamat surel tidak sah.", "Not a valid e-mail address."},
	"date":           {"Harus berupa tanggal TTTT-BB-HH.", "Must be a date YYYY-MM-DD."},
	"datetime":       {"Harus berupa waktu RFC 3339.", "Must be an RFC 3339 time."},
	"date_order":     {"Tanggal akhir tidak boleh sebelum tanggal mulai.", "The end date must not be before the start date."},
	"not_found":      {"Tidak ditemukan.", "Does not exist."},
	"not_published":  {"Versi templat belum diterbitkan.", "The template version is not published."},
	"taken":          {"Sudah dipakai.", "Already in use."},
	"duplicate":      {"Kode ganda.", "Duplicate code."},
	"no_elements":    {"Kuesioner harus memuat paling sedikit satu unsur.", "The questionnaire needs at least one element."},
	"not_in_unit":    {"Tidak termasuk unit yang dipilih.", "Does not belong to the chosen unit."},
	"in_future":      {"Waktu pengisian ada di masa depan.", "The time answered is in the future."},
	"before_start":   {"Waktu pengisian sebelum survei dibuka.", "The time answered is before the survey opened."},
	"too_old":        {"Jawaban ini terlalu lama tertunda (lebih dari {days} hari).", "This answer waited too long to arrive (over {days} days)."},
	"invalid_cursor": {"Kursor tidak sah.", "Invalid cursor."},
	"no_respondents": {"Belum ada jawaban pada periode ini; tidak ada yang dapat dipublikasikan.", "There are no answers in this period; there is nothing to publish."},
}

// detailMessages renders a problem's code as its detail.
var detailMessages = map[string]text{
	"invalid":              {"Data yang dikirim tidak sah; lihat daftar kesalahan.", "The data sent is invalid; see the list of errors."},
	"malformed_json":       {"JSON tidak sah pada posisi {offset} (baris {line}, kolom {column}).", "Malformed JSON at offset {offset} (line {line}, column {column})."},
	"empty_body":           {"Isi permintaan kosong.", "The request body is empty."},
	"unsupported_media":    {"Isi permintaan harus application/json.", "The request body must be application/json."},
	"too_large":            {"Isi permintaan melebihi {max} KiB.", "The request body exceeds {max} KiB."},
	"not_found":            {"Data tidak ditemukan.", "Not found."},
	"route_not_found":      {"Alamat tidak dikenal.", "No such route."},
	"method_not_allowed":   {"Metode ini tidak didukung untuk alamat ini.", "This method is not allowed on this route."},
	"conflict":             {"Data bertentangan dengan data yang sudah ada.", "This conflicts with existing data."},
	"code_taken":           {"Kode sudah dipakai.", "The code is already in use."},
	"email_taken":          {"Alamat surel sudah dipakai.", "The e-mail address is already in use."},
	"period_published":     {"Periode ini sudah dipublikasikan untuk unit ini; jawaban yang datang kemudian dicatat sebagai koreksi.", "This period is already published for this unit; answers that arrive later are listed as a correction."},
	"already_published":    {"Versi templat sudah diterbitkan.", "The template version is already published."},
	"unit_has_children":    {"Unit masih memiliki sub-unit.", "The unit still has sub-units."},
	"unit_has_surveys":     {"Unit masih memiliki survei.", "The unit still has surveys."},
	"unit_has_responses":   {"Unit sudah menerima jawaban dan tidak dapat dihapus.", "The unit has responses and cannot be deleted."},
	"cannot_delete_self":   {"Anda tidak dapat menghapus akun Anda sendiri.", "You cannot delete your own account."},
	"gone":                 {"Sudah tidak tersedia.", "No longer available."},
	"survey_closed":        {"Survei ini sudah ditutup atau belum dibuka.", "This survey is closed or not open yet."},
	"unauthorized":         {"Silakan masuk terlebih dahulu.", "Please sign in."},
	"invalid_credentials":  {"Surel atau kata sandi salah.", "Wrong e-mail or password."},
	"forbidden":            {"Anda tidak berwenang melakukan ini.", "You are not allowed to do this."},
	"csrf":                 {"Permintaan ditolak: sertakan X-Requested-With: suara.", "Request refused: send X-Requested-With: suara."},
	"login_locked":         {"Terlalu banyak percobaan masuk yang gagal; coba lagi dalam {minutes} menit.", "Too many failed sign-in attempts; try again in {minutes} minutes."},
	"rate_limited":         {"Terlalu banyak permintaan; coba lagi sebentar lagi.", "Too many requests; try again shortly."},
	"unavailable":          {"Layanan sedang sibuk; coba lagi sebentar lagi.", "The service is busy; try again shortly."},
	"queue_full":           {"Layanan sedang sibuk; jawaban Anda belum tersimpan, coba lagi.", "The service is busy; your answer was not stored, try again."},
	"database_unavailable": {"Basis data tidak dapat dihubungi.", "The database cannot be reached."},
	"timeout":              {"Waktu habis; coba lagi.", "Timed out; try again."},
	"write_failed":         {"Jawaban belum dipastikan tersimpan; kirim ulang.", "The answer could not be confirmed as stored; send it again."},
	"shutting_down":        {"Server sedang dimatikan; coba lagi.", "The server is shutting down; try again."},
	"not_implemented":      {"Fitur ini belum tersedia.", "This feature is not available yet."},
	"internal":             {"Terjadi kesalahan pada server.", "Something went wrong on the server."},
	"bad_request":          {"Permintaan tidak sah.", "Bad request."},
}

// statusTitles are the problem titles, per status.
var statusTitles = map[int]text{
	400: {"Permintaan tidak sah", "Bad request"},
	401: {"Belum masuk", "Unauthorized"},
	403: {"Dilarang", "Forbidden"},
	404: {"Tidak ditemukan", "Not found"},
	405: {"Metode tidak diizinkan", "Method not allowed"},
	409: {"Konflik", "Conflict"},
	410: {"Sudah tidak tersedia", "Gone"},
	413: {"Isi terlalu besar", "Content too large"},
	415: {"Jenis isi tidak didukung", "Unsupported media type"},
	422: {"Data tidak sah", "Unprocessable content"},
	429: {"Terlalu banyak permintaan", "Too many requests"},
	500: {"Kesalahan server", "Internal server error"},
	501: {"Belum tersedia", "Not implemented"},
	503: {"Layanan tidak tersedia", "Service unavailable"},
}

func statusTitle(lang string, status int) string {
	if t, ok := statusTitles[status]; ok {
		return t.in(lang)
	}
	return http.StatusText(status)
}

func fieldMessage(lang, code string, args map[string]any) string {
	t, ok := fieldMessages[code]
	if !ok {
		t = text{"Nilai tidak sah.", "Invalid value."}
	}
	return render(t.in(lang), args)
}

func detailMessage(lang, code string, status int, args map[string]any) string {
	t, ok := detailMessages[code]
	if !ok {
		return statusTitle(lang, status) + "."
	}
	return render(t.in(lang), args)
}

// render replaces {name} by args[name].
func render(msg string, args map[string]any) string {
	if len(args) == 0 || !strings.Contains(msg, "{") {
		return msg
	}
	keys := make([]string, 0, len(args))
	for k := range args {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	pairs := make([]string, 0, 2*len(keys))
	for _, k := range keys {
		pairs = append(pairs, "{"+k+"}", fmt.Sprint(args[k]))
	}
	return strings.NewReplacer(pairs...).Replace(msg)
}
