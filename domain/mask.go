package domain

import (
	"regexp"
	"strings"
)

// MaskKind names what a masked span looked like.
type MaskKind string

// Kinds of personal data masked in citizens' comments.
const (
	MaskNIK   MaskKind = "nik"   // a NIK-like number: 16 or more digits (NIK, KK, card numbers)
	MaskPhone MaskKind = "phone" // an Indonesian phone number (+62…, 62…, 08…, 0 + area code) or any other long number
	MaskEmail MaskKind = "email" // an e-mail address
)

// MaskSpan is one masked part of a text, as byte offsets [Start, End).
type MaskSpan struct {
	Start, End int
	Kind       MaskKind
}

// emailPattern is deliberately loose: a comment box is not an RFC 5322
// parser, and masking a little too much is the safe side.
var emailPattern = regexp.MustCompile(`[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}`)

// Thresholds of the number rules, in digits.
const (
	nikDigits      = 16 // a NIK (and a KK number) has 16 digits
	longDigits     = 10 // any number this long is treated as an identifier
	minPhoneDigits = 9  // the shortest Indonesian fixed line with its area code: 0274 12345
)

// FindPII returns the spans of text that MaskPII masks, in order and not
// overlapping: e-mail addresses, NIK-like numbers and phone numbers.
//
// A "number" is a run of ASCII digits in which single separators (space,
// '-', '.', '(' or ')', at most two in a row) may stand between digits, with
// an optional leading '+' or '('. It is masked when it has 16 or more
// digits (NIK-like), 10 or more (a phone or another identifier), or 9 and
// starts like an Indonesian number (+62, 62 or 0). Dates, times, prices and
// queue numbers stay readable; a price of ten digits or more does not.
func FindPII(text string) []MaskSpan {
	var spans []MaskSpan
	var emails [][]int
	if strings.IndexByte(text, '@') >= 0 { // most comments have none, and the pattern is costly
		emails = emailPattern.FindAllStringIndex(text, -1)
	}
	next := 0 // the next e-mail
	for i := 0; i < len(text); {
		if next < len(emails) && i >= emails[next][0] {
			spans = append(spans, MaskSpan{emails[next][0], emails[next][1], MaskEmail})
			i = emails[next][1]
			next++
			continue
		}
		start, end, digits, lead := scanNumber(text, i)
		if end == start {
			i++
			continue
		}
		// A number that runs into an e-mail address stops before it.
		if next < len(emails) && end > emails[next][0] {
			end = emails[next][0]
			digits, lead = countDigits(text[start:end])
		}
		switch {
		case digits >= nikDigits:
			spans = append(spans, MaskSpan{start, end, MaskNIK})
		case digits >= longDigits, digits >= minPhoneDigits && (strings.HasPrefix(lead, "0") || strings.HasPrefix(lead, "62")):
			spans = append(spans, MaskSpan{start, end, MaskPhone})
		}
		i = max(end, i+1)
	}
	return spans
}

// scanNumber reads a number starting at i (see FindPII). end == start
// when there is none. lead is the number's first digits, without the '+'.
func scanNumber(text string, i int) (start, end, digits int, lead string) {
	start = i
	j := i
	if j < len(text) && (text[j] == '+' || text[j] == '(') && j+1 < len(text) && isDigit(text[j+1]) {
		j++
	}
	if j >= len(text) || !isDigit(text[j]) {
		return start, start, 0, ""
	}
	end = j
	for end < len(text) {
		if isDigit(text[end]) {
			end++
			continue
		}
		// up to two separators, then a digit
		k := end
		for k < len(text) && k-end < 2 && isSeparator(text[k]) {
			k++
		}
		if k > end && k < len(text) && isDigit(text[k]) {
			end = k
			continue
		}
		break
	}
	digits, lead = countDigits(text[start:end])
	return start, end, digits, lead
}

func countDigits(s string) (int, string) {
	n := 0
	var lead []byte
	for i := 0; i < len(s); i++ {
		if isDigit(s[i]) {
			n++
			if len(lead) < 2 {
				lead = append(lead, s[i])
			}
		}
	}
	return n, string(lead)
}

func isDigit(b byte) bool     { return b >= '0' && b <= '9' }
func isSeparator(b byte) bool { return b == ' ' || b == '-' || b == '.' || b == '(' || b == ')' }

// MaskPII returns text with NIK-like numbers, phone numbers and e-mail
// addresses masked: every digit of a masked number becomes '*' (its
// separators stay, so the shape shows what was there) and an e-mail
// address becomes "***@***". It is pure and idempotent, so that every
// place a comment leaves the server (lists, exports, reports) can apply it
// to the stored original.
func MaskPII(text string) string {
	spans := FindPII(text)
	if len(spans) == 0 {
		return text
	}
	var sb strings.Builder
	sb.Grow(len(text))
	last := 0
	for _, sp := range spans {
		sb.WriteString(text[last:sp.Start])
		if sp.Kind == MaskEmail {
			sb.WriteString("***@***")
		} else {
			for i := sp.Start; i < sp.End; i++ {
				if isDigit(text[i]) {
					sb.WriteByte('*')
				} else {
					sb.WriteByte(text[i])
				}
			}
		}
		last = sp.End
	}
	sb.WriteString(text[last:])
	return sb.String()
}
