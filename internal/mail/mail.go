// Package mail sends owner notifications by email. Each notice's email is
// queued in the outbox (mail_outbox) in the transaction that raised the
// notice; the Mailer, a background service like the dispatcher, claims
// due rows (FOR UPDATE SKIP LOCKED, with a lease, so several processes
// share the outbox and a crashed one's emails come due again), renders
// them (views.NoticeEmailHTML and notice.txt, from one views.NoticeEmail)
// and sends them over SMTP with github.com/wneessen/go-mail, retrying
// with exponential backoff. The outbox row's id is the Message-ID, so a
// retry is recognisably the same email.
package mail

import (
	"bytes"
	"context"
	"crypto/rand"
	_ "embed"
	"encoding/binary"
	"fmt"
	"log/slog"
	"net/url"
	"strconv"
	"text/template"
	"time"

	gomail "github.com/wneessen/go-mail"

	"github.com/clipcabinet/webhooks/internal/auth"
	"github.com/clipcabinet/webhooks/internal/service"
	"github.com/clipcabinet/webhooks/internal/store"
	"github.com/clipcabinet/webhooks/views"
)

// Options configures a Mailer.
type Options struct {
	Store  *store.Store
	Logger *slog.Logger
	// SMTP is the server's URL: smtp:// (STARTTLS when the server offers
	// it) or smtps:// (implicit TLS), with user:password when it wants
	// them; Port is its port.
	SMTP *url.URL
	Port int
	// From is the From address.
	From string
	// BaseURL is the dashboard's public URL, for the links.
	BaseURL *url.URL
	// UnsubscribeKey signs the one-click unsubscribe links (the encryption key).
	UnsubscribeKey []byte
	// Backoff is the wait after the nth failed try [DefaultBackoff].
	Backoff func(n int) time.Duration
	// MaxAttempts is how many tries an email gets before it is failed [12].
	MaxAttempts int
	// Poll is the longest the loop sleeps between looks at the outbox [5s]:
	// a notice's email leaves within it.
	Poll time.Duration
	// Lease is how long a claimed email is this process's [2m]; Timeout
	// bounds one SMTP session [30s].
	Lease, Timeout time.Duration
	// Batch is the most emails one claim takes [10].
	Batch int
}

// DefaultBackoff is 30 s after the first failed try, doubling, at most an
// hour: twelve tries span about five and a half hours.
func DefaultBackoff(n int) time.Duration {
	d := 30 * time.Second
	for i := 1; i < n && d < time.Hour; i++ {
		d *= 2
	}
	return min(d, time.Hour)
}

// Mailer is the outbox's sender. Start once; Stop may be called more than once.
type Mailer struct {
	o    Options
	log  *slog.Logger
	loop service.Loop
}

// New builds a Mailer; it does nothing until Start.
func New(o Options) *Mailer {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Backoff == nil {
		o.Backoff = DefaultBackoff
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = 12
	}
	if o.Poll <= 0 {
		o.Poll = 5 * time.Second
	}
	if o.Lease <= 0 {
		o.Lease = 2 * time.Minute
	}
	if o.Timeout <= 0 {
		o.Timeout = 30 * time.Second
	}
	if o.Batch <= 0 {
		o.Batch = 10
	}
	return &Mailer{o: o, log: o.Logger.With("component", "mail")}
}

// Start runs the loop until Stop.
func (m *Mailer) Start(ctx context.Context) { m.loop.Start(ctx, m.run) }

// Stop ends the loop after the emails it claimed are sent or rescheduled,
// waiting for that until ctx is done.
func (m *Mailer) Stop(ctx context.Context) { m.loop.Stop(ctx) }

func (m *Mailer) run(ctx context.Context) {
	for {
		full := m.round(ctx)
		select {
		case <-m.loop.Stopping():
			return
		default:
		}
		if full {
			continue
		}
		t := time.NewTimer(m.sleep(ctx))
		select {
		case <-m.loop.Stopping():
			t.Stop()
			return
		case <-t.C:
		}
		t.Stop()
	}
}

// sleep is how long until the earliest email is due, at most Poll.
func (m *Mailer) sleep(ctx context.Context) time.Duration {
	next, err := m.o.Store.MailNextDue(ctx)
	if err != nil || next == nil {
		return m.o.Poll
	}
	return min(max(next.Sub(m.o.Store.Now()), time.Millisecond), m.o.Poll)
}

// round claims due emails and sends each; full reports a whole batch
// (more may be due).
func (m *Mailer) round(ctx context.Context) (full bool) {
	token := newToken()
	items, err := m.o.Store.MailClaim(ctx, token, m.o.Batch, m.o.Store.Now().Add(m.o.Lease))
	if err != nil {
		m.log.WarnContext(ctx, "claiming emails failed", "err", err)
		return false
	}
	for _, it := range items {
		m.deliver(ctx, it, token)
	}
	return len(items) == m.o.Batch
}

// deliver sends one claimed email and records the result.
func (m *Mailer) deliver(ctx context.Context, it store.MailItem, token int64) {
	log := m.log.With("outbox_id", it.ID, "notice_kind", it.Kind, "endpoint_id", it.EndpointID, "try", it.Attempts)
	err := m.send(ctx, it)
	if err == nil {
		// Accepted by the server: record it, trying a little while the
		// database does not answer, since an unrecorded email is sent
		// again when its lease ends.
		for i := 0; ; i++ {
			ok, err := m.o.Store.MailSent(ctx, it.ID, token)
			if err == nil {
				if !ok {
					log.WarnContext(ctx, "email sent after its lease ended: another process may send it again")
				}
				log.InfoContext(ctx, "notice email sent")
				return
			}
			if i == 5 {
				log.ErrorContext(ctx, "recording a sent email failed; it will be sent again", "err", err)
				return
			}
			time.Sleep(time.Duration(i+1) * 200 * time.Millisecond)
		}
	}
	giveUp := int(it.Attempts) >= m.o.MaxAttempts
	next := m.o.Store.Now().Add(m.o.Backoff(int(it.Attempts)))
	if ferr := m.o.Store.MailFailed(ctx, it.ID, token, err.Error(), next, giveUp); ferr != nil {
		log.WarnContext(ctx, "recording a failed email failed; it is tried again when its lease ends", "err", ferr)
	}
	if giveUp {
		log.ErrorContext(ctx, "notice email failed for good", "err", err)
		return
	}
	log.WarnContext(ctx, "sending notice email failed; will retry", "err", err, "next_try", next)
}

// send renders and sends one email in its own SMTP session.
func (m *Mailer) send(ctx context.Context, it store.MailItem) error {
	msg, err := m.Message(it)
	if err != nil {
		return err
	}
	opts := []gomail.Option{gomail.WithPort(m.o.Port), gomail.WithTimeout(m.o.Timeout)}
	if m.o.SMTP.Scheme == "smtps" {
		opts = append(opts, gomail.WithSSL())
	} else {
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSOpportunistic))
	}
	if u := m.o.SMTP.User; u != nil && u.Username() != "" {
		pass, _ := u.Password()
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover),
			gomail.WithUsername(u.Username()), gomail.WithPassword(pass))
	}
	c, err := gomail.NewClient(m.o.SMTP.Hostname(), opts...)
	if err != nil {
		return fmt.Errorf("mail: client: %w", err)
	}
	sctx, cancel := context.WithTimeout(ctx, m.o.Timeout)
	defer cancel()
	if err := c.DialAndSendWithContext(sctx, msg); err != nil {
		if msg.IsDelivered() {
			// The server accepted the message (its 250 after DATA); what
			// failed is the session's end (RSET or QUIT). Sent: trying it
			// again would send it twice.
			m.log.InfoContext(ctx, "notice email accepted; the SMTP session's end failed", "outbox_id", it.ID, "err", err)
			return nil
		}
		return fmt.Errorf("mail: send: %w", err)
	}
	return nil
}

//go:embed notice.txt
var noticeText string

var textTmpl = template.Must(template.New("notice.txt").Parse(noticeText))

// Message builds a claimed email: plain text and HTML alternatives of one
// views.NoticeEmail, the outbox id as Message-ID, and List-Unsubscribe
// (with RFC 8058 one-click) pointing at the notification settings.
func (m *Mailer) Message(it store.MailItem) (*gomail.Msg, error) {
	v := m.Email(it)
	var text, html bytes.Buffer
	if err := textTmpl.Execute(&text, v); err != nil {
		return nil, fmt.Errorf("mail: text: %w", err)
	}
	if err := views.NoticeEmailHTML(v).Render(context.Background(), &html); err != nil {
		return nil, fmt.Errorf("mail: html: %w", err)
	}
	msg := gomail.NewMsg()
	if err := msg.From(m.o.From); err != nil {
		return nil, fmt.Errorf("mail: from: %w", err)
	}
	if err := msg.To(it.ToAddr); err != nil {
		return nil, fmt.Errorf("mail: to: %w", err)
	}
	msg.Subject(v.Title)
	msg.SetMessageIDWithValue(MessageID(it.ID, m.o.BaseURL))
	msg.SetDate()
	msg.SetGenHeader("List-Unsubscribe", "<"+m.unsubscribeURL(it)+">")
	msg.SetGenHeader("List-Unsubscribe-Post", "List-Unsubscribe=One-Click")
	msg.SetGenHeader("Auto-Submitted", "auto-generated")
	msg.SetGenHeader("X-ClipCabinet-Notice", it.Kind)
	msg.SetBodyString(gomail.TypeTextPlain, text.String())
	msg.AddAlternativeString(gomail.TypeTextHTML, html.String())
	return msg, nil
}

// MessageID is an outbox row's Message-ID, without the angle brackets:
// outbox-<id>@<the dashboard's host>.
func MessageID(id int64, base *url.URL) string {
	return "outbox-" + strconv.FormatInt(id, 10) + "@" + base.Hostname()
}

// Email is the claimed email's view model.
func (m *Mailer) Email(it store.MailItem) views.NoticeEmail {
	return views.NoticeEmail{
		Kind: it.Kind, Title: views.NoticeTitle(it.Kind, it.EndpointUrl), EndpointURL: it.EndpointUrl,
		Reason:       it.Reason,
		LastError:    views.NoticeLastError(it.LastOutcome, it.LastStatusCode, it.LastError),
		FailedText:   views.NoticeFailedText(int(it.FailedCount), it.FailingSince),
		RaisedAt:     it.CreatedAt,
		EndpointLink: m.link("/endpoints/" + it.EndpointID),
		RecoverLink:  m.link(views.NoticeRecoverPath(it.EndpointID, it.FailingSince)),
		SettingsLink: m.link("/settings/notifications"),
		KindLabel:    views.NoticeKindLabel(it.Kind),
	}
}

// unsubscribeURL is the settings page with the proof that turns this
// email's kind off in one click (RFC 8058).
func (m *Mailer) unsubscribeURL(it store.MailItem) string {
	q := url.Values{"user": {it.UserID}, "kind": {it.Kind}, "token": {auth.UnsubscribeToken(m.o.UnsubscribeKey, it.UserID, it.Kind)}}
	return m.link("/settings/notifications?" + q.Encode())
}

func (m *Mailer) link(path string) string {
	base := *m.o.BaseURL
	base.RawQuery, base.Fragment = "", ""
	u, err := base.Parse(path)
	if err != nil {
		return base.String() + path
	}
	return u.String()
}

func newToken() int64 {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return int64(binary.LittleEndian.Uint64(b[:]) &^ (1 << 63))
}
