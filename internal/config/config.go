// Package config reads the service's configuration from the environment
// once, validates it, and names the variable in every error.
package config

import (
	"encoding/base64"
	"errors"
	"fmt"
	"net/mail"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// DefaultRetrySchedule is the documented backoff between automatic attempts.
const DefaultRetrySchedule = "30s,1m,5m,15m,30m,1h,6h"

// Defaults of the dispatcher's settings. They are written here only: the
// dispatcher falls back to these when an option is left zero.
const (
	DefaultAttemptTimeout      = 15 * time.Second
	DefaultWorkers             = 256
	DefaultEndpointConcurrency = 64
	DefaultClaimBatch          = 100
)

// Defaults of the maintainer's settings, likewise.
const (
	DefaultRetention          = 30 * 24 * time.Hour
	DefaultDisableAfter       = 72 * time.Hour
	DefaultDisableMinFailures = 2
)

// MinAPITokenLength is the shortest API token accepted: a shorter one is
// within reach of guessing through the API.
const MinAPITokenLength = 32

// Config is every setting of the service. Build it with Load.
type Config struct {
	DatabaseURL         string
	Addr                string
	BaseURL             *url.URL
	APIToken            string // empty: the API answers 503 api_disabled
	EncryptionKey       []byte // 32 bytes; nil when unset (only serve needs it)
	RetrySchedule       []time.Duration
	AttemptTimeout      time.Duration
	Workers             int
	EndpointConcurrency int // in-flight attempts per endpoint per process
	ClaimBatch          int
	AllowPrivateTargets bool
	SignupOpen          bool
	LogLevel            string
	// Operations.
	Retention          time.Duration // payload and response bodies kept this long
	DisableAfter       time.Duration // no successful automatic attempt this long ...
	DisableMinFailures int           // ... while this many deliveries failed: auto-disable
	MetricsAddr        string        // non-empty: /metrics on its own listener, no token
	// Limits per user (api.md "Limits").
	MaxEndpointsPerUser int // endpoints one user may have
	TestEventsPerMinute int // test events per user per minute
	// TrustedProxies are the peers whose X-Forwarded-For is believed for
	// the client address; none by default.
	TrustedProxies []netip.Prefix
	// PprofAddr, when set, serves net/http/pprof on its own listener, no
	// token: for profiling on a trusted host only (default off).
	PprofAddr string
	// SMTPURL is the mail server owner notifications are sent through
	// (smtp:// with STARTTLS when offered, smtps:// implicit TLS); nil:
	// notices are kept for the dashboard only.
	SMTPURL *url.URL
	// MailFrom is the notifications' From address; required with SMTPURL.
	MailFrom string
}

// Defaults of the SMTP ports when CLIPCABINET_SMTP_URL names none.
const (
	DefaultSMTPPort  = 587 // smtp://: message submission, STARTTLS when offered
	DefaultSMTPSPort = 465 // smtps://: implicit TLS
)

// SMTPPort is the SMTP URL's port, or its scheme's default.
func (c Config) SMTPPort() int {
	if p, err := strconv.Atoi(c.SMTPURL.Port()); err == nil {
		return p
	}
	if c.SMTPURL.Scheme == "smtps" {
		return DefaultSMTPSPort
	}
	return DefaultSMTPPort
}

// ScheduleSpan is the whole automatic retry schedule's length.
func (c Config) ScheduleSpan() time.Duration {
	var d time.Duration
	for _, s := range c.RetrySchedule {
		d += s
	}
	return d
}

// MaxAttempts is the number of automatic attempts: one per schedule step, plus the first.
func (c Config) MaxAttempts() int { return len(c.RetrySchedule) + 1 }

// SecureCookies reports whether the dashboard is served over https.
func (c Config) SecureCookies() bool { return c.BaseURL.Scheme == "https" }

// Load parses the environment. It fails on any malformed value; required
// values are checked by RequireServe, since not every command needs them.
func Load(getenv func(string) string) (Config, error) {
	c := Config{
		DatabaseURL: getenv("DATABASE_URL"),
		Addr:        or(getenv("CLIPCABINET_ADDR"), ":8080"),
		APIToken:    getenv("CLIPCABINET_API_TOKEN"),
		LogLevel:    or(getenv("CLIPCABINET_LOG_LEVEL"), "info"),
	}
	var errs []error
	fail := func(name, format string, a ...any) {
		errs = append(errs, fmt.Errorf("%s: %s", name, fmt.Sprintf(format, a...)))
	}

	base, err := url.Parse(or(getenv("CLIPCABINET_BASE_URL"), "http://localhost:8080"))
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		fail("CLIPCABINET_BASE_URL", "must be an absolute http or https URL")
		base, _ = url.Parse("http://localhost:8080")
	}
	c.BaseURL = base
	if c.APIToken != "" && len(c.APIToken) < MinAPITokenLength {
		fail("CLIPCABINET_API_TOKEN", "must be at least %d characters, or unset to disable the API (make one with: openssl rand -hex 32)", MinAPITokenLength)
		c.APIToken = ""
	}

	if k := getenv("CLIPCABINET_ENCRYPTION_KEY"); k != "" {
		key, err := ParseKey(k)
		if err != nil {
			fail("CLIPCABINET_ENCRYPTION_KEY", "%v", err)
		} else {
			c.EncryptionKey = key
		}
	}

	c.RetrySchedule, err = ParseSchedule(or(getenv("CLIPCABINET_RETRY_SCHEDULE"), DefaultRetrySchedule))
	if err != nil {
		fail("CLIPCABINET_RETRY_SCHEDULE", "%v", err)
	}
	c.AttemptTimeout = duration(getenv, "CLIPCABINET_ATTEMPT_TIMEOUT", DefaultAttemptTimeout, fail)
	c.Workers = integer(getenv, "CLIPCABINET_WORKERS", DefaultWorkers, 1, 100000, fail)
	c.EndpointConcurrency = integer(getenv, "CLIPCABINET_ENDPOINT_CONCURRENCY", DefaultEndpointConcurrency, 1, 100000, fail)
	c.ClaimBatch = integer(getenv, "CLIPCABINET_CLAIM_BATCH", DefaultClaimBatch, 1, 1000, fail)
	c.AllowPrivateTargets = boolean(getenv, "CLIPCABINET_ALLOW_PRIVATE_TARGETS", false, fail)
	c.SignupOpen = boolean(getenv, "CLIPCABINET_SIGNUP_OPEN", true, fail)
	c.Retention = duration(getenv, "CLIPCABINET_RETENTION", DefaultRetention, fail)
	c.DisableAfter = duration(getenv, "CLIPCABINET_DISABLE_AFTER", DefaultDisableAfter, fail)
	c.DisableMinFailures = integer(getenv, "CLIPCABINET_DISABLE_MIN_FAILURES", DefaultDisableMinFailures, 1, 1000000, fail)
	c.MaxEndpointsPerUser = integer(getenv, "CLIPCABINET_MAX_ENDPOINTS_PER_USER", 50, 1, 100000, fail)
	c.TestEventsPerMinute = integer(getenv, "CLIPCABINET_TEST_EVENTS_PER_MINUTE", 30, 1, 100000, fail)
	c.TrustedProxies, err = ParsePrefixes(getenv("CLIPCABINET_TRUSTED_PROXIES"))
	if err != nil {
		fail("CLIPCABINET_TRUSTED_PROXIES", "%v", err)
	}
	c.SMTPURL, c.MailFrom = smtp(getenv, fail)
	c.MetricsAddr = getenv("CLIPCABINET_METRICS_ADDR")
	c.PprofAddr = getenv("CLIPCABINET_PPROF_ADDR")
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		fail("CLIPCABINET_LOG_LEVEL", "must be debug, info, warn or error")
	}
	return c, errors.Join(errs...)
}

// RequireServe checks what serve needs beyond Load.
func (c Config) RequireServe() error {
	var errs []error
	if c.DatabaseURL == "" {
		errs = append(errs, errors.New("DATABASE_URL: is required"))
	}
	if c.EncryptionKey == nil {
		errs = append(errs, errors.New("CLIPCABINET_ENCRYPTION_KEY: is required: the base64 of 32 random bytes that encrypts signing secrets at rest (make one with: openssl rand -base64 32)"))
	}
	return errors.Join(errs...)
}

// ParseSchedule parses a comma-separated list of Go durations, each > 0.
// An empty step is an error: silently dropping it (or the whole list, for
// ",") would change how often deliveries are retried.
func ParseSchedule(s string) ([]time.Duration, error) {
	var out []time.Duration
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			return nil, errors.New("has an empty step: give durations separated by commas, such as 30s,1m,5m")
		}
		d, err := time.ParseDuration(part)
		if err != nil || d <= 0 {
			return nil, fmt.Errorf("%q is not a positive duration such as 30s, 5m or 1h", part)
		}
		out = append(out, d)
	}
	return out, nil
}

// ParseKey decodes an encryption key: the base64 of exactly 32 bytes.
func ParseKey(s string) ([]byte, error) {
	key, err := base64.StdEncoding.DecodeString(strings.TrimSpace(s))
	if err != nil || len(key) != 32 {
		return nil, errors.New("must be the base64 of exactly 32 random bytes (make one with: openssl rand -base64 32)")
	}
	return key, nil
}

// ParsePrefixes parses a comma-separated list of CIDRs (10.0.0.0/8,
// fd00::/8); a bare address is its own /32 or /128. Empty: none.
func ParsePrefixes(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		p, err := netip.ParsePrefix(part)
		if err != nil {
			a, aerr := netip.ParseAddr(part)
			if aerr != nil {
				return nil, fmt.Errorf("%q is not a CIDR such as 10.0.0.0/8 or fd00::/8", part)
			}
			p = netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen())
		}
		if p.Addr().Is4In6() && p.Bits() >= 96 {
			p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
		}
		out = append(out, p.Masked())
	}
	return out, nil
}

// smtp parses CLIPCABINET_SMTP_URL and CLIPCABINET_MAIL_FROM: both or
// neither.
func smtp(getenv func(string) string, fail failFunc) (*url.URL, string) {
	raw, from := getenv("CLIPCABINET_SMTP_URL"), strings.TrimSpace(getenv("CLIPCABINET_MAIL_FROM"))
	if raw == "" {
		if from != "" {
			fail("CLIPCABINET_MAIL_FROM", "is set but CLIPCABINET_SMTP_URL is not: set both to send owner notifications by email, or neither")
		}
		return nil, ""
	}
	u, err := url.Parse(raw)
	port := ""
	if err == nil {
		port = u.Port()
	}
	if n, perr := strconv.Atoi(port); err != nil || (u.Scheme != "smtp" && u.Scheme != "smtps") || u.Hostname() == "" ||
		u.Path != "" && u.Path != "/" || (port != "" && (perr != nil || n < 1 || n > 65535)) {
		fail("CLIPCABINET_SMTP_URL", "must be smtp://[user:password@]host[:port] (STARTTLS when offered) or smtps://... (implicit TLS)")
		return nil, ""
	}
	if from == "" {
		fail("CLIPCABINET_MAIL_FROM", "is required with CLIPCABINET_SMTP_URL: the address notifications come from, such as ClipCabinet <webhooks@example.com>")
		return nil, ""
	}
	if _, err := mail.ParseAddress(from); err != nil {
		fail("CLIPCABINET_MAIL_FROM", "must be an email address such as webhooks@example.com or ClipCabinet <webhooks@example.com>")
		return nil, ""
	}
	return u, from
}

func or(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

type failFunc func(name, format string, a ...any)

func duration(getenv func(string) string, name string, def time.Duration, fail failFunc) time.Duration {
	v := getenv(name)
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		fail(name, "must be a positive duration such as 15s")
		return def
	}
	return d
}

func integer(getenv func(string) string, name string, def, lo, hi int, fail failFunc) int {
	v := getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		fail(name, "must be a whole number from %d to %d", lo, hi)
		return def
	}
	return n
}

func boolean(getenv func(string) string, name string, def bool, fail failFunc) bool {
	v := getenv(name)
	if v == "" {
		return def
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		fail(name, "must be true or false")
		return def
	}
	return b
}
