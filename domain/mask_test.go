package domain

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestMaskPII(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"plain text", "Antrean terlalu lama, petugas ramah.", "Antrean terlalu lama, petugas ramah."},
		{"empty", "", ""},
		{"NIK", "NIK saya 3201012345670001 belum diproses", "NIK saya **************** belum diproses"},
		{"NIK with spaces", "NIK 3201 0123 4567 0001.", "NIK **** **** **** ****."},
		{"NIK with dots", "nik: 32.01.01.234567.0001", "nik: **.**.**.******.****"},
		{"KK number of 16 digits at the end", "KK 3201010101010001", "KK ****************"},
		{"mobile 08", "hubungi 081234567890 ya", "hubungi ************ ya"},
		{"mobile 08 with dashes", "WA 0812-3456-7890.", "WA ****-****-****."},
		{"mobile +62", "telp +62 812 3456 7890", "telp +** *** **** ****"},
		{"mobile +62 glued", "+6281234567890", "+*************"},
		{"mobile 62 without plus", "62812345678", "***********"},
		{"landline with parentheses", "kantor (021) 5551234", "kantor (***) *******"},
		{"landline 9 digits", "telepon 0274 12345", "telepon **** *****"},
		{"glued to letters", "HP08123456789", "HP***********"},
		{"two numbers", "0811111111 atau 0822222222", "********** atau **********"},
		{"e-mail", "kirim ke budi.santoso@gmail.com saja", "kirim ke ***@*** saja"},
		{"e-mail with plus and subdomain", "Budi+skm@mail.example.go.id.", "***@***."},
		{"e-mail with digits", "0812345678901@contoh.id", "***@***"},
		{"several kinds", "Saya Budi, NIK 3201012345670001, HP 0812 3456 7890, surel budi@contoh.id.",
			"Saya Budi, NIK ****************, HP **** **** ****, surel ***@***."},
		// Numbers that must stay readable.
		{"date", "datang 26-11-2026 jam 09.30", "datang 26-11-2026 jam 09.30"},
		{"date with slashes", "tanggal 26/11/2026", "tanggal 26/11/2026"},
		{"price", "biaya Rp 150.000 padahal gratis", "biaya Rp 150.000 padahal gratis"},
		{"queue number", "nomor antrean 123, menunggu 2 jam", "nomor antrean 123, menunggu 2 jam"},
		{"year and count", "tahun 2026 sudah 3 kali", "tahun 2026 sudah 3 kali"},
		{"8 digits", "kode 12345678", "kode 12345678"},
		{"9 digits not starting like a phone", "resi 123456789", "resi 123456789"},
		{"at sign alone", "antrean @loket 3", "antrean @loket 3"},
		{"unicode around", "Pelayanan 👍 hubungi 081234567890 — terima kasih", "Pelayanan 👍 hubungi ************ — terima kasih"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := MaskPII(tt.in); got != tt.want {
				t.Errorf("MaskPII(%q)\n got %q\nwant %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestFindPIIKinds(t *testing.T) {
	in := "NIK 3201012345670001 HP 081234567890 surel a@b.id"
	var kinds []string
	for _, sp := range FindPII(in) {
		kinds = append(kinds, string(sp.Kind)+":"+in[sp.Start:sp.End])
	}
	want := "nik:3201012345670001 phone:081234567890 email:a@b.id"
	if got := strings.Join(kinds, " "); got != want {
		t.Errorf("spans = %q, want %q", got, want)
	}
}

// FuzzMaskPII: masking never panics, keeps valid UTF-8 valid, is
// idempotent, leaves nothing that would be masked again, never leaves ten
// digits in a row, and changes nothing outside the spans it reports.
func FuzzMaskPII(f *testing.F) {
	for _, s := range []string{"", "NIK 3201012345670001", "+62 812-3456-7890", "(021) 5551234", "a@b.co",
		"0812345678901@contoh.id", "12 34 56 78 90", "++62((8", "1-2-3-4-5-6-7-8-9-0", "x@y.zz 0812345678", "é0812345678é"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out := MaskPII(in)
		if utf8.ValidString(in) && !utf8.ValidString(out) {
			t.Fatalf("MaskPII(%q) = %q is not valid UTF-8", in, out)
		}
		if again := MaskPII(out); again != out {
			t.Fatalf("not idempotent: %q → %q → %q", in, out, again)
		}
		if spans := FindPII(out); len(spans) != 0 {
			t.Fatalf("MaskPII(%q) = %q still has %v", in, out, spans)
		}
		run := 0
		for i := 0; i < len(out); i++ {
			if isDigit(out[i]) {
				run++
				if run >= longDigits {
					t.Fatalf("MaskPII(%q) = %q keeps %d digits in a row", in, out, run)
				}
			} else {
				run = 0
			}
		}
		last := 0
		for _, sp := range FindPII(in) {
			if sp.Start < last || sp.End <= sp.Start || sp.End > len(in) {
				t.Fatalf("bad span %v after %d in %q", sp, last, in)
			}
			last = sp.End
		}
		if len(FindPII(in)) == 0 && out != in {
			t.Fatalf("nothing found but %q changed to %q", in, out)
		}
	})
}
