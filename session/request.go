package session

import (
	"context"
	"crypto/tls"
	"encoding/binary"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"sync"
)

// handshakeRequest is what a session keeps of its handshake request until
// Request is called: usually the request's fields packed into a few
// strings, from which Request builds an equal *http.Request. net/http's
// request holds its headers in a map (about 700 bytes for a browser's
// dozen headers) and its URL parsed (150 bytes), beside its own 250
// bytes; packed, an idle session keeps about a third of that. A request
// with anything that does not pack (a body, a form, path values, a URL
// rewritten by a middleware, ...) is kept as it is (full).
//
// It is immutable once made.
type handshakeRequest struct {
	full *http.Request // the request itself, when it does not pack; the fields below are then unset

	ctx        context.Context
	method     string
	requestURI string
	url        *url.URL // nil: what url.ParseRequestURI(requestURI) gives
	proto      string
	protoMajor int32
	protoMinor int32
	close      bool
	noHeader   bool   // Header was nil
	header     string // the Header, packed by packHeader
	host       string
	remoteAddr string
	pattern    string
	tls        *tls.ConnectionState
}

// newHandshakeRequest returns what to keep of r, the handshake request,
// while its handler runs. It only reads r.
func newHandshakeRequest(r *http.Request) *handshakeRequest {
	if !packable(r) {
		return &handshakeRequest{full: r}
	}
	header, ok := packHeader(r.Header)
	if !ok {
		return &handshakeRequest{full: r}
	}
	h := &handshakeRequest{
		ctx:        r.Context(),
		method:     r.Method,
		requestURI: r.RequestURI,
		url:        r.URL,
		proto:      r.Proto,
		protoMajor: int32(r.ProtoMajor),
		protoMinor: int32(r.ProtoMinor),
		close:      r.Close,
		noHeader:   r.Header == nil,
		header:     header,
		host:       r.Host,
		remoteAddr: r.RemoteAddr,
		pattern:    r.Pattern,
		tls:        r.TLS,
	}
	if u, err := url.ParseRequestURI(r.RequestURI); err == nil && r.URL != nil && *u == *r.URL {
		h.url = nil // parsed again by request
	}
	return h
}

// request builds the detached copy Request returns: a request equal to
// the handshake request, with no body and a context that is not
// cancelled when the handshake request ends.
func (h *handshakeRequest) request() *http.Request {
	if h.full != nil {
		return detachRequest(h.full)
	}
	u := h.url // shared with net/http's request, as detachRequest does
	if u == nil {
		var err error
		if u, err = url.ParseRequestURI(h.requestURI); err != nil {
			u = &url.URL{} // cannot happen: it parsed at the handshake
		}
	}
	var header http.Header
	if !h.noHeader {
		header = unpackHeader(h.header)
	}
	r := &http.Request{
		Method:     h.method,
		URL:        u,
		Proto:      h.proto,
		ProtoMajor: int(h.protoMajor),
		ProtoMinor: int(h.protoMinor),
		Header:     header,
		Body:       http.NoBody,
		Close:      h.close,
		Host:       h.host,
		RemoteAddr: h.remoteAddr,
		RequestURI: h.requestURI,
		TLS:        h.tls,
		Pattern:    h.pattern,
	}
	return r.WithContext(context.WithoutCancel(h.ctx))
}

// packable reports whether r holds nothing but what handshakeRequest
// packs: no body, form, trailer or response, and no path values. The
// path values are unexported: they are read through reflect, and a Go
// release whose Request lacks the fields read makes every request
// unpackable (kept whole: correct, only larger).
func packable(r *http.Request) bool {
	if (r.Body != nil && r.Body != http.NoBody) || r.GetBody != nil || r.ContentLength != 0 ||
		r.TransferEncoding != nil || r.Form != nil || r.PostForm != nil || r.MultipartForm != nil ||
		r.Trailer != nil || r.Cancel != nil || r.Response != nil || r.URL == nil {
		return false
	}
	pv := pathValueFields()
	if !pv.ok {
		return false
	}
	v := reflect.ValueOf(r).Elem()
	return v.Field(pv.matches).Len() == 0 && v.Field(pv.otherValues).Len() == 0
}

type pathValueIndex struct {
	matches, otherValues int
	ok                   bool
}

// pathValueFields finds http.Request's unexported path value fields (Go
// 1.22 and later: matches, a []string, and otherValues, a
// map[string]string): a request without any packs without losing what
// PathValue returns.
var pathValueFields = sync.OnceValue(func() pathValueIndex {
	t := reflect.TypeFor[http.Request]()
	m, ok1 := t.FieldByName("matches")
	o, ok2 := t.FieldByName("otherValues")
	if !ok1 || !ok2 || len(m.Index) != 1 || len(o.Index) != 1 ||
		m.Type != reflect.TypeFor[[]string]() || o.Type != reflect.TypeFor[map[string]string]() {
		return pathValueIndex{}
	}
	return pathValueIndex{matches: m.Index[0], otherValues: o.Index[0], ok: true}
})

// packHeader packs h into one string: the number of keys and of values,
// then for each key its length, the key, its number of values, and each
// value with its length (uvarints). It
// reports false for a header that would not unpack equal: a key with no
// values (nil and empty would not be told apart).
func packHeader(h http.Header) (string, bool) {
	vals := 0
	for _, vs := range h {
		vals += len(vs)
	}
	n := uvarintLen(len(h)) + uvarintLen(vals)
	for k, vs := range h {
		if len(vs) == 0 {
			return "", false
		}
		n += uvarintLen(len(k)) + len(k) + uvarintLen(len(vs))
		for _, v := range vs {
			n += uvarintLen(len(v)) + len(v)
		}
	}
	// Built in place at its exact size: one allocation, which the session
	// keeps, and no slack in it.
	var b strings.Builder
	b.Grow(n)
	var tmp [binary.MaxVarintLen64]byte
	uvarint := func(x int) { b.Write(binary.AppendUvarint(tmp[:0], uint64(x))) }
	uvarint(len(h))
	uvarint(vals)
	for k, vs := range h {
		uvarint(len(k))
		b.WriteString(k)
		uvarint(len(vs))
		for _, v := range vs {
			uvarint(len(v))
			b.WriteString(v)
		}
	}
	return b.String(), true
}

// uvarintLen is the length of x as a uvarint.
func uvarintLen(x int) int {
	n := 1
	for ; x >= 0x80; x >>= 7 {
		n++
	}
	return n
}

// unpackHeader rebuilds the header packHeader packed. Keys and values are
// substrings of p; the values of all keys share one array, as net/http's
// do.
func unpackHeader(p string) http.Header {
	r := packReader{s: p}
	keys := r.uvarint()
	h := make(http.Header, keys)
	vals := make([]string, 0, r.uvarint())
	for range keys {
		k := r.str()
		nv := r.uvarint()
		start := len(vals)
		for range nv {
			vals = append(vals, r.str())
		}
		h[k] = vals[start:len(vals):len(vals)]
	}
	return h
}

// packReader reads what packHeader wrote; the pack is ours, so it is
// well formed.
type packReader struct {
	s string
	i int
}

func (r *packReader) uvarint() int {
	var x uint64
	var shift uint
	for {
		c := r.s[r.i]
		r.i++
		x |= uint64(c&0x7f) << shift
		if c < 0x80 {
			return int(x)
		}
		shift += 7
	}
}

func (r *packReader) str() string {
	n := r.uvarint()
	s := r.s[r.i : r.i+n]
	r.i += n
	return s
}
