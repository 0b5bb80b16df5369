// Package httpenc holds what the polling transport and the client file
// handler share about HTTP content codings: the Accept-Encoding
// negotiation of the reference server.
package httpenc

import (
	"math"
	"strconv"
	"strings"
)

// Negotiate returns the coding among offered that an Accept-Encoding
// header value asks for, or "" when none is acceptable (then the body goes
// as it is). It decides as Node's `accepts(req).encodings(offered)` does
// (negotiator 0.6), which the reference server uses for polling responses
// and client files:
//
//   - each offered coding takes the quality of the entry naming it (any
//     case), else of a "*" entry; a named entry wins over "*" whatever
//     their qualities, and of two entries of the same kind the later one
//     counts;
//   - a quality of 0 (or one that is not a number) refuses the coding;
//   - the acceptable codings are ranked by quality, then named before
//     "*", then by the position of their entry in the header, then by
//     their order in offered.
//
// An absent or empty header therefore accepts no coding ("identity" only),
// "*" accepts the first offered one, and "identity;q=0" alone does not
// make the server compress: it names no offered coding.
func Negotiate(header string, offered ...string) string {
	if header == "" {
		return ""
	}
	best, bestIdx := spec{}, -1
	for i, enc := range offered {
		p := priority(header, enc)
		if !(p.q > 0) { // NaN too
			continue
		}
		if bestIdx < 0 || better(p, i, best, bestIdx) {
			best, bestIdx = p, i
		}
	}
	if bestIdx < 0 {
		return ""
	}
	return offered[bestIdx]
}

// spec is how one header entry applies to one offered coding: its
// quality, whether it names the coding (s=1) or is "*" (s=0), and its
// position o in the header.
type spec struct {
	q    float64
	s, o int
}

// priority is the entry of header that decides for enc: going through
// the entries in order, the reference keeps one that is more specific, or
// as specific and of a higher quality, or as specific and of the same
// quality and later (its comparison chains the differences with JS's ||,
// under which a NaN difference counts as no difference).
func priority(header, enc string) spec {
	best := spec{q: 0, s: 0, o: -1}
	o := -1
	for entry := range strings.SplitSeq(header, ",") {
		o++
		name, q, ok := parseEntry(entry)
		if !ok {
			continue
		}
		s := 0
		if strings.EqualFold(name, enc) {
			s = 1
		} else if name != "*" {
			continue
		}
		c := spec{q: q, s: s, o: o}
		if jsOr(jsOr(float64(best.s-c.s), best.q-c.q), float64(best.o-c.o)) < 0 {
			best = c
		}
	}
	return best
}

// better reports whether candidate a (offered at ai) ranks before b
// (offered at bi): quality, then specificity, then header position, then
// offered order.
func better(a spec, ai int, b spec, bi int) bool {
	d := jsOr(jsOr(jsOr(b.q-a.q, float64(b.s-a.s)), float64(a.o-b.o)), float64(ai-bi))
	return d < 0
}

// jsOr is JavaScript's a || b on numbers: a unless it is 0 or NaN.
func jsOr(a, b float64) float64 {
	if a == 0 || math.IsNaN(a) {
		return b
	}
	return a
}

// parseEntry reads one Accept-Encoding entry as the reference does: a
// token up to white space or ';', then parameters of which the first
// named exactly "q" gives the quality (JS parseFloat: the longest number
// at its start, NaN if none). An entry with nothing in it, or with white
// space inside the token, is skipped.
func parseEntry(entry string) (name string, q float64, ok bool) {
	entry = strings.TrimSpace(entry)
	name, params, hasParams := strings.Cut(entry, ";")
	if n := strings.TrimRight(name, " \t\r\n\f\v"); n != "" {
		name = n
	} else {
		return "", 0, false
	}
	if strings.ContainsAny(name, " \t\r\n\f\v") {
		return "", 0, false
	}
	q = 1
	if !hasParams {
		return name, q, true
	}
	for p := range strings.SplitSeq(params, ";") {
		k, v, hasV := strings.Cut(strings.TrimSpace(p), "=")
		if k != "q" {
			continue
		}
		if !hasV {
			return name, math.NaN(), true
		}
		return name, parseFloatPrefix(v), true
	}
	return name, q, true
}

// parseFloatPrefix is JavaScript's parseFloat: leading white space is
// skipped and the longest prefix that is a decimal number (or Infinity) is
// read; NaN when there is none.
func parseFloatPrefix(s string) float64 {
	s = strings.TrimLeft(s, " \t\r\n\f\v")
	end := 0
	if end < len(s) && (s[end] == '+' || s[end] == '-') {
		end++
	}
	if strings.HasPrefix(s[end:], "Infinity") {
		if s[0] == '-' {
			return math.Inf(-1)
		}
		return math.Inf(1)
	}
	digits := 0
	for end < len(s) && s[end] >= '0' && s[end] <= '9' {
		end, digits = end+1, digits+1
	}
	if end < len(s) && s[end] == '.' {
		end++
		for end < len(s) && s[end] >= '0' && s[end] <= '9' {
			end, digits = end+1, digits+1
		}
	}
	if digits == 0 {
		return math.NaN()
	}
	if end < len(s) && (s[end] == 'e' || s[end] == 'E') {
		e := end + 1
		if e < len(s) && (s[e] == '+' || s[e] == '-') {
			e++
		}
		if e < len(s) && s[e] >= '0' && s[e] <= '9' {
			for e < len(s) && s[e] >= '0' && s[e] <= '9' {
				e++
			}
			end = e
		}
	}
	f, err := strconv.ParseFloat(s[:end], 64)
	if err != nil && !math.IsInf(f, 0) { // a huge exponent is ±Inf in JS too
		return math.NaN()
	}
	return f
}
