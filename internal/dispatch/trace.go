package dispatch

import (
	"crypto/tls"
	"net/http"
	"net/http/httptrace"
	"slices"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/clipcabinet/webhooks/internal/store"
)

// MaxResponseHeaders is how much of a receiver's response headers an
// attempt keeps, as the JSON object the API returns.
const MaxResponseHeaders = 8 << 10

// phaseTrace records where an attempt's time went (DNS, connect, TLS, the
// wait for the first byte) and the address dialled, through one
// httptrace.ClientTrace per attempt.
//
// Its hooks run on the transport's goroutines, and a dial may finish after
// Do has returned (the transport keeps the connection for its pool), so
// every field is read and written under mu.
type phaseTrace struct {
	mu                                   sync.Mutex
	began, dnsStart, connStart, tlsStart time.Time
	wrote                                time.Time
	phases                               [4]int32 // dns, connect, tls, first byte; store.NoPhase when not seen
	addr                                 string
	connected                            bool
	// headers is set by send, on the attempt's goroutine, not by a hook.
	headers []byte
	ct      httptrace.ClientTrace
}

func newPhaseTrace() *phaseTrace {
	t := &phaseTrace{began: time.Now(), phases: [4]int32{store.NoPhase, store.NoPhase, store.NoPhase, store.NoPhase}}
	t.ct = httptrace.ClientTrace{
		DNSStart:             t.onDNSStart,
		DNSDone:              t.onDNSDone,
		ConnectStart:         t.onConnectStart,
		ConnectDone:          t.onConnectDone,
		TLSHandshakeStart:    t.onTLSStart,
		TLSHandshakeDone:     t.onTLSDone,
		GotConn:              t.onGotConn,
		WroteRequest:         t.onWrote,
		GotFirstResponseByte: t.onFirstByte,
	}
	return t
}

func msSince(t time.Time) int32 { return int32(time.Since(t).Milliseconds()) }

func (t *phaseTrace) onDNSStart(httptrace.DNSStartInfo) {
	t.mu.Lock()
	t.dnsStart = time.Now()
	t.mu.Unlock()
}

func (t *phaseTrace) onDNSDone(httptrace.DNSDoneInfo) {
	t.mu.Lock()
	if !t.dnsStart.IsZero() {
		t.phases[0] = msSince(t.dnsStart)
	}
	t.mu.Unlock()
}

// onConnectStart keeps the first start: with several addresses (or both
// IP families raced), the connect phase runs until one of them answers.
func (t *phaseTrace) onConnectStart(_, addr string) {
	t.mu.Lock()
	if t.connStart.IsZero() {
		t.connStart = time.Now()
	}
	if !t.connected {
		t.addr = addr
	}
	t.mu.Unlock()
}

func (t *phaseTrace) onConnectDone(_, addr string, err error) {
	t.mu.Lock()
	switch {
	case err == nil && !t.connected:
		t.connected, t.addr = true, addr
		t.phases[1] = msSince(t.connStart)
	case err != nil && !t.connected:
		t.addr = addr
	}
	t.mu.Unlock()
}

func (t *phaseTrace) onTLSStart() {
	t.mu.Lock()
	t.tlsStart = time.Now()
	t.mu.Unlock()
}

func (t *phaseTrace) onTLSDone(tls.ConnectionState, error) {
	t.mu.Lock()
	if !t.tlsStart.IsZero() {
		t.phases[2] = msSince(t.tlsStart)
	}
	t.mu.Unlock()
}

// onGotConn names the address of the connection used, a reused one's too
// (which had no DNS, connect or TLS phase of its own).
func (t *phaseTrace) onGotConn(info httptrace.GotConnInfo) {
	if info.Conn == nil {
		return
	}
	addr := info.Conn.RemoteAddr().String()
	t.mu.Lock()
	t.addr, t.connected = addr, true
	t.mu.Unlock()
}

func (t *phaseTrace) onWrote(httptrace.WroteRequestInfo) {
	t.mu.Lock()
	t.wrote = time.Now()
	t.mu.Unlock()
}

// onFirstByte measures the receiver's wait: from the request written (or,
// if the write was not seen, the attempt's start) to the first byte.
func (t *phaseTrace) onFirstByte() {
	t.mu.Lock()
	from := t.wrote
	if from.IsZero() {
		from = t.began
	}
	t.phases[3] = msSince(from)
	t.mu.Unlock()
}

// record copies what was seen into the attempt's result.
func (t *phaseTrace) record(res *store.Result) {
	t.mu.Lock()
	res.Phases, res.RemoteAddr = t.phases, t.addr
	t.mu.Unlock()
	res.ResponseHeaders = t.headers
}

// encodeHeaders is h as the JSON object the API returns, {"Name": "value"}
// with a repeated header's values joined by ", ", names sorted, at most
// MaxResponseHeaders bytes: the headers that do not fit are left out.
func encodeHeaders(h http.Header) []byte {
	if h == nil {
		return nil
	}
	names := make([]string, 0, len(h))
	for k := range h {
		names = append(names, k)
	}
	slices.Sort(names)
	out := make([]byte, 0, 512)
	out = append(out, '{')
	var entry []byte
	for _, k := range names {
		entry = appendJSONString(entry[:0], k)
		entry = append(entry, ':', '"')
		for i, v := range h[k] {
			if i > 0 {
				entry = append(entry, ',', ' ')
			}
			entry = appendJSONChars(entry, v)
		}
		entry = append(entry, '"')
		sep := 0
		if len(out) > 1 {
			sep = 1
		}
		if len(out)+sep+len(entry)+1 > MaxResponseHeaders {
			continue
		}
		if sep == 1 {
			out = append(out, ',')
		}
		out = append(out, entry...)
	}
	return append(out, '}')
}

func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	b = appendJSONChars(b, s)
	return append(b, '"')
}

// appendJSONChars appends s escaped for a JSON string; invalid UTF-8
// becomes U+FFFD.
func appendJSONChars(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c < 0x20 || c == 0x7f:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, "\ufffd"...)
		} else {
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return b
}
