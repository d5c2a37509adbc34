// Package testsmtp is a real SMTP server for tests, on loopback
// (github.com/emersion/go-smtp): it keeps every message it accepts, and
// can be stopped and started again on the same address, for an outage.
package testsmtp

import (
	"bytes"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
)

// Message is one accepted message.
type Message struct {
	From string
	To   []string
	Raw  []byte // as received, headers and body
	mail.Header
	// Text and HTML are the decoded text/plain and text/html parts.
	Text, HTML string
}

// Server is a running SMTP server.
type Server struct {
	Addr string

	mu     sync.Mutex
	msgs   []Message
	srv    *smtp.Server
	l      net.Listener
	t      testing.TB
	hangUp bool // HangUpAfterData
}

// Start runs a server on a free loopback port until t ends.
func Start(t testing.TB) *Server {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("testsmtp: %v", err)
	}
	s := &Server{Addr: l.Addr().String(), t: t}
	s.serve(l)
	t.Cleanup(s.Stop)
	return s
}

// URL is the server's CLIPCABINET_SMTP_URL.
func (s *Server) URL() string { return "smtp://" + s.Addr }

func (s *Server) serve(l net.Listener) {
	srv := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) { return &session{s: s, c: c}, nil }))
	srv.Domain = "localhost"
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	srv.MaxMessageBytes = 1 << 20
	s.mu.Lock()
	s.srv, s.l = srv, l
	s.mu.Unlock()
	go func() { _ = srv.Serve(l) }()
}

// Stop closes the server: connections are refused until Restart.
func (s *Server) Stop() {
	s.mu.Lock()
	srv, l := s.srv, s.l
	s.srv, s.l = nil, nil
	s.mu.Unlock()
	if srv != nil {
		// The listener too: Serve may not have taken it yet.
		_ = l.Close()
		_ = srv.Close()
	}
}

// Restart listens again on the same address.
func (s *Server) Restart() {
	s.t.Helper()
	var l net.Listener
	var err error
	for i := 0; i < 50; i++ { // the port may take a moment to be free again
		if l, err = net.Listen("tcp", s.Addr); err == nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		s.t.Fatalf("testsmtp: restart on %s: %v", s.Addr, err)
	}
	s.serve(l)
}

// HangUpAfterData makes each session close its connection right after it
// accepted a message (its 250 after DATA), as a server or a network that
// drops the session then: the client's next command (RSET, QUIT) fails.
func (s *Server) HangUpAfterData(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hangUp = on
}

// Messages returns the messages accepted so far, oldest first.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.msgs...)
}

// Wait returns the messages once there are at least n, failing t if that
// has not happened within timeout (a safety net, not a timing check).
func (s *Server) Wait(t testing.TB, n int, timeout time.Duration) []Message {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		if m := s.Messages(); len(m) >= n {
			return m
		}
		if time.Now().After(deadline) {
			t.Fatalf("testsmtp: %d messages within %s, want %d", len(s.Messages()), timeout, n)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

type session struct {
	s        *Server
	c        *smtp.Conn
	from     string
	to       []string
	accepted bool // a message was accepted in this session
}

// Reset also runs right after a message's 250 (go-smtp resets the session
// after each DATA): with HangUpAfterData, the connection closes there.
func (x *session) Reset() {
	x.from, x.to = "", nil
	x.s.mu.Lock()
	hangUp := x.s.hangUp
	x.s.mu.Unlock()
	if hangUp && x.accepted {
		// The socket itself: smtp.Conn.Close takes the lock reset holds.
		_ = x.c.Conn().Close()
	}
}
func (x *session) Logout() error { return nil }

func (x *session) Mail(from string, _ *smtp.MailOptions) error { x.from = from; return nil }

func (x *session) Rcpt(to string, _ *smtp.RcptOptions) error { x.to = append(x.to, to); return nil }

func (x *session) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	m, err := parse(raw)
	if err != nil {
		return &smtp.SMTPError{Code: 554, Message: "cannot parse the message: " + err.Error()}
	}
	m.From, m.To = x.from, x.to
	x.s.mu.Lock()
	x.s.msgs = append(x.s.msgs, m)
	x.s.mu.Unlock()
	x.accepted = true
	return nil
}

// parse reads the headers and the text and HTML parts (a single part,
// or a multipart/alternative one level deep).
func parse(raw []byte) (Message, error) {
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return Message{}, err
	}
	m := Message{Raw: raw, Header: msg.Header}
	mt, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil {
		return Message{}, err
	}
	if !strings.HasPrefix(mt, "multipart/") {
		body, err := decode(msg.Body, msg.Header.Get("Content-Transfer-Encoding"))
		m.Text = body
		return m, err
	}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	for {
		p, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return m, nil
		}
		if err != nil {
			return Message{}, err
		}
		body, err := decode(p, p.Header.Get("Content-Transfer-Encoding"))
		if err != nil {
			return Message{}, err
		}
		switch pt, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type")); pt {
		case "text/plain":
			m.Text = body
		case "text/html":
			m.HTML = body
		}
	}
}

func decode(r io.Reader, enc string) (string, error) {
	if strings.EqualFold(enc, "quoted-printable") {
		r = quotedprintable.NewReader(r)
	}
	b, err := io.ReadAll(r)
	return string(b), err
}
