package webhook

import (
	"bytes"
	"maps"
	"math/rand/v2"
	"strings"
	"testing"
)

// TestValidateDataMatchesReference compares ValidateData with the reference
// implementation on payloads generated near the schemas, which random
// fuzzing rarely reaches: valid JSON objects with the schemas' keys, some
// repeated, escaped, unknown or of the wrong type, strings with escapes,
// raw U+2028 and invalid UTF-8, and space everywhere.
func TestValidateDataMatchesReference(t *testing.T) {
	t.Parallel()
	n := 20000
	if testing.Short() {
		n = 2000
	}
	rnd := rand.New(rand.NewPCG(1, 2))
	for i := range n {
		event := EventTypes[i%len(EventTypes)]
		data := genObject(rnd, schemas[event], 0)
		got, gotErrs := ValidateData(event, data)
		want, wantErrs := referenceValidateData(event, data)
		if !bytes.Equal(got, want) || (got == nil) != (want == nil) ||
			!maps.Equal(gotErrs, wantErrs) || (gotErrs == nil) != (wantErrs == nil) {
			t.Fatalf("%s %q:\n got %q %v\nwant %q %v", event, data, got, gotErrs, want, wantErrs)
		}
	}
}

func genSpace(rnd *rand.Rand) string {
	if rnd.IntN(4) > 0 {
		return ""
	}
	return []string{" ", "\n", "\t ", "\r\n  "}[rnd.IntN(4)]
}

func genObject(rnd *rand.Rand, fields []field, depth int) []byte {
	var b bytes.Buffer
	b.WriteString(genSpace(rnd) + "{")
	var members []string
	for _, f := range fields {
		if rnd.IntN(50) > 0 { // sometimes missing
			members = append(members, genKey(rnd, f.name)+":"+genValue(rnd, f, depth))
		}
		if rnd.IntN(80) == 0 { // sometimes repeated
			members = append(members, genKey(rnd, f.name)+":"+genValue(rnd, f, depth))
		}
	}
	for rnd.IntN(20) == 0 { // sometimes unknown, maybe repeated
		k := []string{`"extra"`, `"a b"`, `"\u00e9"`, "\"\xff\"", `"\ufffd"`, `"x.y"`, `"Title"`, `""`, `"0"`}[rnd.IntN(9)]
		members = append(members, k+":"+genAny(rnd, depth+1))
	}
	rnd.Shuffle(len(members), func(i, j int) { members[i], members[j] = members[j], members[i] })
	for i, m := range members {
		if i > 0 {
			b.WriteString(genSpace(rnd) + "," + genSpace(rnd))
		}
		b.WriteString(m)
	}
	b.WriteString(genSpace(rnd) + "}" + genSpace(rnd))
	return b.Bytes()
}

// genKey spells name as a JSON string, sometimes with an escape.
func genKey(rnd *rand.Rand, name string) string {
	if rnd.IntN(15) == 0 {
		return `"\u00` + strings.ToLower(string("0123456789abcdef"[name[0]>>4])+string("0123456789abcdef"[name[0]&0xF])) + name[1:] + `"`
	}
	return `"` + name + `"`
}

func genValue(rnd *rand.Rand, f field, depth int) string {
	if rnd.IntN(40) == 0 {
		return genAny(rnd, depth+1) // anything at all
	}
	switch f.kind {
	case kindString:
		if f.nullable && rnd.IntN(3) == 0 {
			return "null"
		}
		switch f.name {
		case "userId":
			return pick(rnd, []string{`"user_2yPcKa4qR8w3vXk5"`, `"user_\u00e9\ud83c\udfac"`}, []string{`"user_"`, `"usr_1"`})
		case "kind":
			return pick(rnd, []string{`"video"`, `"screenshot"`, `"vid\u0065o"`}, []string{`"audio"`})
		case "createdAt":
			return pick(rnd, []string{`"2026-04-30T21:53:22.108Z"`, `"2026-04-30T21:53:22.108-23:59"`}, []string{`"2026-04-30T21:53:22+24:00"`, `"2026-04-30T21:53:22,1Z"`, `"2026-04-30"`})
		}
		return genString(rnd)
	case kindInteger:
		return pick(rnd, []string{"0", "412", "9007199254740991"}, []string{"9007199254740992", "-1", "1.5", "1e3", "99999999999999999999999", `"1"`})
	case kindBoolean:
		return pick(rnd, []string{"true", "false"}, []string{`"true"`, "0"})
	case kindStringArray:
		var elems []string
		for range rnd.IntN(4) {
			if rnd.IntN(8) == 0 {
				elems = append(elems, genAny(rnd, depth+1))
			} else {
				elems = append(elems, genString(rnd))
			}
		}
		return "[" + genSpace(rnd) + strings.Join(elems, genSpace(rnd)+","+genSpace(rnd)) + genSpace(rnd) + "]"
	case kindObject:
		return string(genObject(rnd, f.fields, depth+1))
	}
	return "null"
}

// pick returns one of good, or one of bad one time in eight.
func pick(rnd *rand.Rand, good, bad []string) string {
	if rnd.IntN(8) == 0 {
		return bad[rnd.IntN(len(bad))]
	}
	return good[rnd.IntN(len(good))]
}

func genString(rnd *rand.Rand) string {
	parts := []string{"plain", "<&>", `\"`, `\\`, `\/`, `\n`, `\u0000`, `\u001f`, "\x7f", `\u2028`, "\u2028", "\u2029", "\xff", "\xed\xa0\x80",
		`\ud800`, `\ud83c\udfac`, `\udfac`, "\U0001F3AC", "\ufffd", `\b\f\r\t`, "é", " "}
	var b strings.Builder
	b.WriteByte('"')
	for range rnd.IntN(5) {
		b.WriteString(parts[rnd.IntN(len(parts))])
	}
	b.WriteByte('"')
	return b.String()
}

func genAny(rnd *rand.Rand, depth int) string {
	n := 8
	if depth > 4 {
		n = 5
	}
	switch rnd.IntN(n) {
	case 0:
		return "null"
	case 1:
		return []string{"true", "false"}[rnd.IntN(2)]
	case 2:
		return []string{"0", "-0", "1.5e-3", "12", "1E400"}[rnd.IntN(5)]
	case 3, 4:
		return genString(rnd)
	case 5:
		return "[" + genAny(rnd, depth+1) + "," + genSpace(rnd) + genAny(rnd, depth+1) + "]"
	case 6:
		return "{" + genSpace(rnd) + `"k":` + genAny(rnd, depth+1) + `,"k":{}` + genSpace(rnd) + "}"
	default:
		return "[]"
	}
}
