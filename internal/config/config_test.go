package config_test

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/clipcabinet/webhooks/internal/config"
)

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

var key32 = base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{0xAB}, 32))

func TestDefaults(t *testing.T) {
	t.Parallel()
	c, err := config.Load(env(nil))
	if err != nil {
		t.Fatalf("Load of an empty environment: %v", err)
	}
	want := []time.Duration{30 * time.Second, time.Minute, 5 * time.Minute, 15 * time.Minute, 30 * time.Minute, time.Hour, 6 * time.Hour}
	switch {
	case c.DatabaseURL != "":
		t.Errorf("DatabaseURL = %q", c.DatabaseURL)
	case c.Addr != ":8080":
		t.Errorf("Addr = %q", c.Addr)
	case c.BaseURL.String() != "http://localhost:8080":
		t.Errorf("BaseURL = %s", c.BaseURL)
	case c.APIToken != "":
		t.Errorf("APIToken = %q", c.APIToken)
	case c.EncryptionKey != nil:
		t.Errorf("EncryptionKey = %x", c.EncryptionKey)
	case !slices.Equal(c.RetrySchedule, want):
		t.Errorf("RetrySchedule = %v", c.RetrySchedule)
	case c.MaxAttempts() != 8:
		t.Errorf("MaxAttempts = %d, want 8", c.MaxAttempts())
	case c.AttemptTimeout != 15*time.Second:
		t.Errorf("AttemptTimeout = %s", c.AttemptTimeout)
	case c.Workers != 256:
		t.Errorf("Workers = %d", c.Workers)
	case c.EndpointConcurrency != 64:
		t.Errorf("EndpointConcurrency = %d", c.EndpointConcurrency)
	case c.ClaimBatch != 100:
		t.Errorf("ClaimBatch = %d", c.ClaimBatch)
	case c.AllowPrivateTargets:
		t.Error("AllowPrivateTargets on by default")
	case !c.SignupOpen:
		t.Error("SignupOpen off by default")
	case c.LogLevel != "info":
		t.Errorf("LogLevel = %q", c.LogLevel)
	case c.SecureCookies():
		t.Error("SecureCookies for http://localhost")
	case c.MaxEndpointsPerUser != 50:
		t.Errorf("MaxEndpointsPerUser = %d", c.MaxEndpointsPerUser)
	case c.TestEventsPerMinute != 30:
		t.Errorf("TestEventsPerMinute = %d", c.TestEventsPerMinute)
	case c.TrustedProxies != nil:
		t.Errorf("TrustedProxies = %v", c.TrustedProxies)
	}
}

func TestEveryVariableParsed(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		value string
		check func(c config.Config) bool
	}{
		{"DATABASE_URL", "postgres://u@db:5432/x", func(c config.Config) bool { return c.DatabaseURL == "postgres://u@db:5432/x" }},
		{"CLIPCABINET_ADDR", "127.0.0.1:9090", func(c config.Config) bool { return c.Addr == "127.0.0.1:9090" }},
		{"CLIPCABINET_BASE_URL", "https://hooks.example.com", func(c config.Config) bool {
			return c.BaseURL.String() == "https://hooks.example.com" && c.SecureCookies()
		}},
		{"CLIPCABINET_API_TOKEN", "s3cret-token-0123456789abcdefghij", func(c config.Config) bool { return c.APIToken == "s3cret-token-0123456789abcdefghij" }},
		{"CLIPCABINET_ENCRYPTION_KEY", key32, func(c config.Config) bool { return bytes.Equal(c.EncryptionKey, bytes.Repeat([]byte{0xAB}, 32)) }},
		{"CLIPCABINET_ENCRYPTION_KEY", " " + key32 + "\n", func(c config.Config) bool { return len(c.EncryptionKey) == 32 }},
		{"CLIPCABINET_RETRY_SCHEDULE", "1s, 2m,3h", func(c config.Config) bool {
			return slices.Equal(c.RetrySchedule, []time.Duration{time.Second, 2 * time.Minute, 3 * time.Hour}) && c.MaxAttempts() == 4
		}},
		{"CLIPCABINET_RETRY_SCHEDULE", "200ms", func(c config.Config) bool {
			return slices.Equal(c.RetrySchedule, []time.Duration{200 * time.Millisecond}) && c.MaxAttempts() == 2
		}},
		{"CLIPCABINET_ATTEMPT_TIMEOUT", "2500ms", func(c config.Config) bool { return c.AttemptTimeout == 2500*time.Millisecond }},
		{"CLIPCABINET_WORKERS", "7", func(c config.Config) bool { return c.Workers == 7 }},
		{"CLIPCABINET_ENDPOINT_CONCURRENCY", "3", func(c config.Config) bool { return c.EndpointConcurrency == 3 }},
		{"CLIPCABINET_CLAIM_BATCH", "1000", func(c config.Config) bool { return c.ClaimBatch == 1000 }},
		{"CLIPCABINET_ALLOW_PRIVATE_TARGETS", "true", func(c config.Config) bool { return c.AllowPrivateTargets }},
		{"CLIPCABINET_ALLOW_PRIVATE_TARGETS", "false", func(c config.Config) bool { return !c.AllowPrivateTargets }},
		{"CLIPCABINET_SIGNUP_OPEN", "false", func(c config.Config) bool { return !c.SignupOpen }},
		{"CLIPCABINET_SIGNUP_OPEN", "1", func(c config.Config) bool { return c.SignupOpen }},
		{"CLIPCABINET_LOG_LEVEL", "debug", func(c config.Config) bool { return c.LogLevel == "debug" }},
		{"CLIPCABINET_LOG_LEVEL", "error", func(c config.Config) bool { return c.LogLevel == "error" }},
		{"CLIPCABINET_MAX_ENDPOINTS_PER_USER", "3", func(c config.Config) bool { return c.MaxEndpointsPerUser == 3 }},
		{"CLIPCABINET_TEST_EVENTS_PER_MINUTE", "2", func(c config.Config) bool { return c.TestEventsPerMinute == 2 }},
		{"CLIPCABINET_TRUSTED_PROXIES", "10.0.0.0/8, 192.168.1.7,fd00::/8,::ffff:172.16.0.0/108", func(c config.Config) bool {
			return fmt.Sprint(c.TrustedProxies) == "[10.0.0.0/8 192.168.1.7/32 fd00::/8 172.16.0.0/12]"
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name+"="+tt.value, func(t *testing.T) {
			t.Parallel()
			c, err := config.Load(env(map[string]string{tt.name: tt.value}))
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			if !tt.check(c) {
				t.Errorf("%s=%q not applied: %+v", tt.name, tt.value, c)
			}
		})
	}
}

func TestMalformedValues(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		value string
	}{
		{"CLIPCABINET_BASE_URL", "localhost:8080"},
		{"CLIPCABINET_BASE_URL", "ftp://example.com"},
		{"CLIPCABINET_BASE_URL", "https://"},
		{"CLIPCABINET_BASE_URL", "/dashboard"},
		{"CLIPCABINET_ENCRYPTION_KEY", "not base64!"},
		{"CLIPCABINET_ENCRYPTION_KEY", base64.StdEncoding.EncodeToString(make([]byte, 16))},
		{"CLIPCABINET_ENCRYPTION_KEY", base64.StdEncoding.EncodeToString(make([]byte, 31))},
		{"CLIPCABINET_ENCRYPTION_KEY", base64.StdEncoding.EncodeToString(make([]byte, 33))},
		{"CLIPCABINET_ENCRYPTION_KEY", strings.Repeat("k", 32)},
		{"CLIPCABINET_RETRY_SCHEDULE", "30s,soon"},
		{"CLIPCABINET_RETRY_SCHEDULE", "30"},
		{"CLIPCABINET_RETRY_SCHEDULE", "30s,-1m"},
		{"CLIPCABINET_RETRY_SCHEDULE", "0s"},
		{"CLIPCABINET_RETRY_SCHEDULE", ","},
		{"CLIPCABINET_RETRY_SCHEDULE", "30s,,1m"},
		{"CLIPCABINET_ATTEMPT_TIMEOUT", "15"},
		{"CLIPCABINET_ATTEMPT_TIMEOUT", "0s"},
		{"CLIPCABINET_ATTEMPT_TIMEOUT", "-5s"},
		{"CLIPCABINET_WORKERS", "many"},
		{"CLIPCABINET_WORKERS", "0"},
		{"CLIPCABINET_WORKERS", "-1"},
		{"CLIPCABINET_WORKERS", "1.5"},
		{"CLIPCABINET_WORKERS", "100001"},
		{"CLIPCABINET_ENDPOINT_CONCURRENCY", "0"},
		{"CLIPCABINET_ENDPOINT_CONCURRENCY", "ten"},
		{"CLIPCABINET_CLAIM_BATCH", "0"},
		{"CLIPCABINET_CLAIM_BATCH", "1001"},
		{"CLIPCABINET_ALLOW_PRIVATE_TARGETS", "yes"},
		{"CLIPCABINET_ALLOW_PRIVATE_TARGETS", "on"},
		{"CLIPCABINET_SIGNUP_OPEN", "nope"},
		{"CLIPCABINET_LOG_LEVEL", "verbose"},
		{"CLIPCABINET_LOG_LEVEL", "INFO"},
		{"CLIPCABINET_API_TOKEN", "bench"},
		{"CLIPCABINET_API_TOKEN", "s3cret-token-0123456789abcdefghi"[:31]},
		{"CLIPCABINET_MAX_ENDPOINTS_PER_USER", "0"},
		{"CLIPCABINET_MAX_ENDPOINTS_PER_USER", "lots"},
		{"CLIPCABINET_TEST_EVENTS_PER_MINUTE", "-1"},
		{"CLIPCABINET_TRUSTED_PROXIES", "10.0.0.0/33"},
		{"CLIPCABINET_TRUSTED_PROXIES", "10.0.0.0/8,,"},
		{"CLIPCABINET_TRUSTED_PROXIES", "proxy.internal"},
	}
	for _, tt := range tests {
		t.Run(tt.name+"="+tt.value, func(t *testing.T) {
			t.Parallel()
			_, err := config.Load(env(map[string]string{tt.name: tt.value}))
			if err == nil {
				t.Fatalf("Load accepted %s=%q", tt.name, tt.value)
			}
			if !strings.Contains(err.Error(), tt.name) {
				t.Errorf("error does not name %s: %v", tt.name, err)
			}
			if n := strings.Count(err.Error(), "CLIPCABINET_"); n != 1 {
				t.Errorf("error names %d variables, want only %s: %v", n, tt.name, err)
			}
		})
	}
}

// TestEveryErrorReported: several bad values are reported together, so an
// operator fixes them in one go.
func TestEveryErrorReported(t *testing.T) {
	t.Parallel()
	bad := map[string]string{
		"CLIPCABINET_WORKERS":         "0",
		"CLIPCABINET_LOG_LEVEL":       "loud",
		"CLIPCABINET_ENCRYPTION_KEY":  "short",
		"CLIPCABINET_ATTEMPT_TIMEOUT": "forever",
	}
	_, err := config.Load(env(bad))
	if err == nil {
		t.Fatal("Load accepted four bad values")
	}
	for name := range bad {
		if !strings.Contains(err.Error(), name) {
			t.Errorf("error does not name %s: %v", name, err)
		}
	}
}

func TestRequireServe(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		env  map[string]string
		want []string // variables the error names; none: ok
	}{
		{name: "both set", env: map[string]string{"DATABASE_URL": "postgres://x", "CLIPCABINET_ENCRYPTION_KEY": key32}},
		{name: "no key", env: map[string]string{"DATABASE_URL": "postgres://x"}, want: []string{"CLIPCABINET_ENCRYPTION_KEY"}},
		{name: "no database", env: map[string]string{"CLIPCABINET_ENCRYPTION_KEY": key32}, want: []string{"DATABASE_URL"}},
		{name: "neither", env: nil, want: []string{"DATABASE_URL", "CLIPCABINET_ENCRYPTION_KEY"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, err := config.Load(env(tt.env))
			if err != nil {
				t.Fatal(err)
			}
			err = c.RequireServe()
			if len(tt.want) == 0 {
				if err != nil {
					t.Fatalf("RequireServe: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("RequireServe accepted a missing value")
			}
			for _, name := range tt.want {
				if !strings.Contains(err.Error(), name) {
					t.Errorf("error does not name %s: %v", name, err)
				}
			}
		})
	}
}

func TestParseSchedule(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		in      string
		want    []time.Duration
		wantErr bool
	}{
		{name: "default", in: config.DefaultRetrySchedule, want: []time.Duration{30 * time.Second, time.Minute, 5 * time.Minute, 15 * time.Minute, 30 * time.Minute, time.Hour, 6 * time.Hour}},
		{name: "spaces", in: " 1s , 2s ", want: []time.Duration{time.Second, 2 * time.Second}},
		{name: "one step", in: "10ms", want: []time.Duration{10 * time.Millisecond}},
		{name: "not a duration", in: "1s,x", wantErr: true},
		{name: "zero", in: "0s", wantErr: true},
		{name: "negative", in: "-1s", wantErr: true},
		{name: "empty step", in: "1s,,2s", wantErr: true},
		{name: "only commas", in: ",,", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := config.ParseSchedule(tt.in)
			if (err != nil) != tt.wantErr {
				t.Fatalf("ParseSchedule(%q) = %v, %v", tt.in, got, err)
			}
			if !tt.wantErr && !slices.Equal(got, tt.want) {
				t.Errorf("ParseSchedule(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}

// TestSMTP: CLIPCABINET_SMTP_URL and CLIPCABINET_MAIL_FROM come together;
// a URL that is not smtp:// or smtps:// with a host, or a From that is not
// an address, names its variable; the port defaults by scheme.
func TestSMTP(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, url, from, err string
		port                 int
	}{
		{name: "neither"},
		{name: "smtp with port", url: "smtp://user:pass@mail.example.com:2525", from: "w@example.com", port: 2525},
		{name: "smtp default port", url: "smtp://mail.example.com", from: "ClipCabinet <w@example.com>", port: 587},
		{name: "smtps default port", url: "smtps://mail.example.com", from: "w@example.com", port: 465},
		{name: "from without url", from: "w@example.com", err: "CLIPCABINET_MAIL_FROM: is set but CLIPCABINET_SMTP_URL is not"},
		{name: "url without from", url: "smtp://mail.example.com", err: "CLIPCABINET_MAIL_FROM: is required"},
		{name: "bad from", url: "smtp://mail.example.com", from: "not an address", err: "CLIPCABINET_MAIL_FROM: must be an email address"},
		{name: "http scheme", url: "http://mail.example.com", from: "w@example.com", err: "CLIPCABINET_SMTP_URL: must be smtp://"},
		{name: "no host", url: "smtp://:25", from: "w@example.com", err: "CLIPCABINET_SMTP_URL: must be smtp://"},
		{name: "bad port", url: "smtp://mail.example.com:99999", from: "w@example.com", err: "CLIPCABINET_SMTP_URL: must be smtp://"},
		{name: "a path", url: "smtp://mail.example.com/x", from: "w@example.com", err: "CLIPCABINET_SMTP_URL: must be smtp://"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, err := config.Load(env(map[string]string{"CLIPCABINET_SMTP_URL": tc.url, "CLIPCABINET_MAIL_FROM": tc.from}))
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err %v, want %q", err, tc.err)
				}
				if c.SMTPURL != nil {
					t.Fatalf("SMTPURL %s kept with an error", c.SMTPURL)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tc.url == "" {
				if c.SMTPURL != nil || c.MailFrom != "" {
					t.Fatalf("SMTP configured from nothing: %v %q", c.SMTPURL, c.MailFrom)
				}
				return
			}
			if c.SMTPURL.String() != tc.url || c.MailFrom != tc.from || c.SMTPPort() != tc.port {
				t.Fatalf("got %s %q port %d", c.SMTPURL, c.MailFrom, c.SMTPPort())
			}
		})
	}
}
