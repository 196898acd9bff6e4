package sandbox

import "strings"

// gsmBasic is the GSM 03.38 default alphabet (one septet each); gsmExtended
// are the characters of its escape table (two septets each).
const (
	gsmBasic = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?" +
		"¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
	gsmExtended = "^{}\\[~]|€\f"
)

// Encoding names, as providers report them.
const (
	EncodingGSM  = "GSM-7"
	EncodingUCS2 = "UCS-2"
)

// Segments counts the SMS parts text takes: GSM-7 fits 160 septets in one
// part and 153 per part when concatenated (escape-table characters count
// twice); any character outside GSM 03.38 makes the whole text UCS-2: 70
// UTF-16 units in one part, 67 per part when concatenated.
func Segments(text string) (parts int, encoding string) {
	if text == "" {
		return 1, EncodingGSM
	}
	septets := 0
	gsm := true
	for _, r := range text {
		switch {
		case strings.ContainsRune(gsmBasic, r):
			septets++
		case strings.ContainsRune(gsmExtended, r):
			septets += 2
		default:
			gsm = false
		}
		if !gsm {
			break
		}
	}
	if gsm {
		return split(septets, 160, 153), EncodingGSM
	}
	units := 0
	for _, r := range text {
		if r >= 0x10000 {
			units += 2 // a surrogate pair
		} else {
			units++
		}
	}
	return split(units, 70, 67), EncodingUCS2
}

func split(n, single, multi int) int {
	if n <= single {
		return 1
	}
	return (n + multi - 1) / multi
}
