package survey

import "suara/domain"

// defaultActions are sensible first actions for a weak element, offered
// when a unit plans its follow-ups (skm-method.md §6.4: the weakest
// elements get a rencana tindak lanjut). They are suggestions to edit,
// not prescriptions.
var defaultActions = map[string]domain.Text{
	"persyaratan": {ID: "Menyederhanakan dan mengumumkan daftar persyaratan di loket, situs web dan media sosial; menyediakan contoh berkas yang benar.",
		EN: "Simplify the list of requirements and publish it at the counter, on the website and on social media; show a correctly filled example."},
	"prosedur": {ID: "Memetakan ulang alur pelayanan, memangkas langkah yang tidak perlu, dan memasang bagan alur yang mudah dibaca.",
		EN: "Map the service flow again, cut unnecessary steps, and put up an easy-to-read flow chart."},
	"waktu": {ID: "Menambah loket atau petugas pada jam sibuk, memasang sistem antrean, dan mengumumkan standar waktu penyelesaian.",
		EN: "Add counters or staff at peak hours, install a queue system, and publish the standard completion time."},
	"biaya": {ID: "Mengumumkan tarif resmi (atau bebas biaya) di loket dan situs web, dan membuka saluran pengaduan pungutan liar.",
		EN: "Publish the official fee (or that the service is free) at the counter and online, and open a channel to report illegal charges."},
	"produk": {ID: "Mengumumkan standar produk layanan dan memeriksa kesesuaian hasil layanan sebelum diserahkan.",
		EN: "Publish the service product standard and check each result against it before handing it over."},
	"kompetensi": {ID: "Melatih petugas tentang prosedur dan produk layanan, dan menyiapkan panduan kerja singkat di setiap loket.",
		EN: "Train staff on the procedures and products of the service, and keep a short work guide at every counter."},
	"perilaku": {ID: "Melatih petugas tentang budaya pelayanan prima (senyum, sapa, sopan, santun) dan memantau perilaku di loket.",
		EN: "Train staff in service excellence (greeting, courtesy, patience) and monitor conduct at the counter."},
	"sarpras": {ID: "Memperbaiki ruang tunggu (tempat duduk, ventilasi, toilet, akses disabilitas) dan menjadwalkan perawatan rutin.",
		EN: "Improve the waiting area (seating, ventilation, toilets, disability access) and schedule regular maintenance."},
	"pengaduan": {ID: "Membuka saluran pengaduan yang jelas (kotak saran, WhatsApp, SP4N-LAPOR!), menjawab setiap pengaduan, dan mengumumkan tindak lanjutnya.",
		EN: "Open clear complaint channels (suggestion box, WhatsApp, SP4N-LAPOR!), answer every complaint, and publish what was done."},
}

// SuggestedAction returns a default follow-up activity for an element id
// of the SKM definition ("waktu"), in Indonesian and English.
func SuggestedAction(elementID string) (domain.Text, bool) {
	t, ok := defaultActions[elementID]
	return t, ok
}
