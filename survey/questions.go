package survey

import "suara/domain"

// BuiltinQuestions returns the built-in PermenPANRB 14/2017 questionnaire
// in questionnaire order: the nine element questions U1…U9 as the annex's
// "Contoh Kuesioner" prints them (skm-method.md §2.2; U8 = sarana dan
// prasarana, U9 = penanganan pengaduan), then the respondent profile of §5
// (not required), then the suggestion box. Each call returns a fresh copy.
//
// Wording: the regulation text is kept word for word, except that question
// 7's typos are fixed: "Bagamana pendapat saudara perilaku…" is printed as
// "Bagaimana pendapat Saudara perilaku…", like the other eight questions.
//
// The service question is not part of the template: services come from
// the unit.
func BuiltinQuestions() []domain.Question {
	el := func(code, element, id, en string, opts [4][2]string) domain.Question {
		q := domain.Question{
			Code:     code,
			Kind:     domain.KindElement,
			Element:  element,
			Required: true,
			Label:    domain.Text{ID: id, EN: en},
			Options:  make([]domain.Option, 4),
		}
		for i, o := range opts {
			q.Options[i] = domain.Option{Value: string(rune('1' + i)), Label: domain.Text{ID: o[0], EN: o[1]}}
		}
		return q
	}
	suitable := [4][2]string{
		{"Tidak sesuai", "Not suitable"},
		{"Kurang sesuai", "Somewhat unsuitable"},
		{"Sesuai", "Suitable"},
		{"Sangat sesuai", "Very suitable"},
	}
	choice := func(code, id, en string, opts ...[3]string) domain.Question {
		q := domain.Question{Code: code, Kind: domain.KindChoice, Element: code, Label: domain.Text{ID: id, EN: en}}
		for _, o := range opts {
			q.Options = append(q.Options, domain.Option{Value: o[0], Label: domain.Text{ID: o[1], EN: o[2]}})
		}
		return q
	}
	return []domain.Question{
		el("U1", "persyaratan",
			"Bagaimana pendapat Saudara tentang kesesuaian persyaratan pelayanan dengan jenis pelayanannya?",
			"How well do the service requirements suit the type of service?",
			suitable),
		el("U2", "prosedur",
			"Bagaimana pemahaman Saudara tentang kemudahan prosedur pelayanan di unit ini?",
			"How easy do you find the service procedures at this unit?",
			[4][2]string{{"Tidak mudah", "Not easy"}, {"Kurang mudah", "Not very easy"}, {"Mudah", "Easy"}, {"Sangat mudah", "Very easy"}}),
		el("U3", "waktu",
			"Bagaimana pendapat Saudara tentang kecepatan waktu dalam memberikan pelayanan?",
			"How quickly was the service delivered?",
			[4][2]string{{"Tidak cepat", "Not quick"}, {"Kurang cepat", "Not very quick"}, {"Cepat", "Quick"}, {"Sangat cepat", "Very quick"}}),
		el("U4", "biaya",
			"Bagaimana pendapat Saudara tentang kewajaran biaya/tarif dalam pelayanan?",
			"How fair is the cost or fee of the service?",
			[4][2]string{{"Sangat mahal", "Very expensive"}, {"Cukup mahal", "Quite expensive"}, {"Murah", "Cheap"}, {"Gratis", "Free"}}),
		el("U5", "produk",
			"Bagaimana pendapat Saudara tentang kesesuaian produk pelayanan antara yang tercantum dalam standar pelayanan dengan hasil yang diberikan?",
			"How well does what you received match the product set out in the service standard?",
			suitable),
		el("U6", "kompetensi",
			"Bagaimana pendapat Saudara tentang kompetensi/kemampuan petugas dalam pelayanan?",
			"How competent and capable were the staff who served you?",
			[4][2]string{{"Tidak kompeten", "Not competent"}, {"Kurang kompeten", "Not very competent"}, {"Kompeten", "Competent"}, {"Sangat kompeten", "Very competent"}}),
		el("U7", "perilaku",
			"Bagaimana pendapat Saudara perilaku petugas dalam pelayanan terkait kesopanan dan keramahan?",
			"How polite and friendly were the staff who served you?",
			[4][2]string{{"Tidak sopan dan ramah", "Neither polite nor friendly"}, {"Kurang sopan dan ramah", "Not very polite and friendly"}, {"Sopan dan ramah", "Polite and friendly"}, {"Sangat sopan dan ramah", "Very polite and friendly"}}),
		el("U8", "sarpras",
			"Bagaimana pendapat Saudara tentang kualitas sarana dan prasarana?",
			"How good are the facilities and infrastructure?",
			[4][2]string{{"Buruk", "Poor"}, {"Cukup", "Fair"}, {"Baik", "Good"}, {"Sangat Baik", "Very good"}}),
		el("U9", "pengaduan",
			"Bagaimana pendapat Saudara tentang penanganan pengaduan pengguna layanan?",
			"How are complaints from service users handled?",
			[4][2]string{{"Tidak ada", "There is no way to complain"}, {"Ada tetapi tidak berfungsi", "There is one, but it does not work"}, {"Berfungsi kurang maksimal", "It works, but not fully"}, {"Dikelola dengan baik", "Complaints are handled well"}}),
		choice("gender", "Jenis kelamin", "Gender",
			[3]string{"male", "Laki-laki", "Male"},
			[3]string{"female", "Perempuan", "Female"}),
		{Code: "age", Kind: domain.KindNumber, Element: "age", Label: domain.Text{ID: "Usia (tahun)", EN: "Age (years)"}, Min: 15, Max: 100},
		choice("education", "Pendidikan terakhir", "Highest education",
			[3]string{"sd", "SD", "Primary school"},
			[3]string{"smp", "SMP", "Junior secondary school"},
			[3]string{"sma", "SMA", "Senior secondary school"},
			[3]string{"d1d3", "D1–D3", "Diploma (D1–D3)"},
			[3]string{"s1", "S1", "Bachelor's degree"},
			[3]string{"s2", "S2", "Master's degree"},
			[3]string{"s3", "S3", "Doctorate"}),
		choice("occupation", "Pekerjaan", "Occupation",
			[3]string{"pns", "PNS", "Civil servant"},
			[3]string{"tni", "TNI", "Armed forces"},
			[3]string{"polri", "POLRI", "Police"},
			[3]string{"swasta", "Swasta", "Private sector employee"},
			[3]string{"wirausaha", "Wirausaha", "Self-employed"},
			[3]string{"lainnya", "Lainnya", "Other"}),
		{Code: "comment", Kind: domain.KindText, Label: domain.Text{ID: "Saran dan masukan", EN: "Suggestions and feedback"}, Max: domain.MaxCommentLen},
	}
}
