package main

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"syscall"
	"testing"

	"github.com/clipcabinet/webhooks/internal/testdb"
)

// api calls the running server's API with the test token.
func api(t *testing.T, p *serveProc, method, path, body string) (int, string) {
	t.Helper()
	return request(t, method, p.url+path, testToken, body)
}

// TestServeRefusesAKeyThatCannotOpenTheSecrets: serve started with another
// key than the stored secrets' refuses to run, naming the variable; key
// rotate re-encrypts them, after which the new key serves the same secret.
func TestServeRefusesAKeyThatCannotOpenTheSecrets(t *testing.T) {
	t.Parallel()
	dbURL := testdb.NewURL(t)
	otherKey := base64.StdEncoding.EncodeToString([]byte("another key of exactly 32 bytes!"))
	env := func(key string) []string {
		return cliEnv("DATABASE_URL="+dbURL, "CLIPCABINET_ENCRYPTION_KEY="+key, "CLIPCABINET_API_TOKEN="+testToken,
			"CLIPCABINET_ALLOW_PRIVATE_TARGETS=true")
	}

	p := startServe(t, env(testKey))
	code, body := api(t, p, "POST", "/api/v1/users", `{"email":"keys@example.com","id":"user_keys"}`)
	if code != http.StatusCreated {
		t.Fatalf("create user: %d %s", code, body)
	}
	code, body = api(t, p, "POST", "/api/v1/users/user_keys/endpoints", `{"url":"http://127.0.0.1:9/k","events":["comment.added"]}`)
	var ep struct{ ID, Secret string }
	if code != http.StatusCreated || json.Unmarshal([]byte(body), &ep) != nil {
		t.Fatalf("create endpoint: %d %s", code, body)
	}
	p.stop(t, syscall.SIGTERM)

	res := runCLI(t, append(env(otherKey), "CLIPCABINET_ADDR=127.0.0.1:0"), "serve")
	if res.code == 0 || !strings.Contains(res.stderr, "CLIPCABINET_ENCRYPTION_KEY") || !strings.Contains(res.stderr, "key rotate") ||
		strings.Contains(res.stderr, "msg=serving") {
		t.Fatalf("serve with another key: exit %d, stderr:\n%s", res.code, res.stderr)
	}

	// A wrong --old changes nothing.
	thirdKey := base64.StdEncoding.EncodeToString([]byte("a third key, also of 32 bytes..."))
	bad := runCLI(t, env(testKey), "key", "rotate", "--old", otherKey, "--new", thirdKey)
	if bad.code == 0 || !strings.Contains(bad.stderr, ep.ID) {
		t.Fatalf("rotate with a wrong old key: exit %d, stdout %q stderr:\n%s", bad.code, bad.stdout, bad.stderr)
	}
	for _, tc := range []struct{ name, want string }{{"first", "re-encrypted 1 "}, {"again", "re-encrypted 0 "}} {
		res = runCLI(t, env(testKey), "key", "rotate", "--new", otherKey)
		if res.code != 0 || !strings.Contains(res.stdout, tc.want) {
			t.Fatalf("%s rotate: exit %d, stdout %q stderr:\n%s", tc.name, res.code, res.stdout, res.stderr)
		}
	}
	res = runCLI(t, append(env(testKey), "CLIPCABINET_ADDR=127.0.0.1:0"), "serve")
	if res.code == 0 {
		t.Fatalf("serve with the old key after rotating: exit 0:\n%s", res.stderr)
	}

	p = startServe(t, env(otherKey))
	code, body = api(t, p, "POST", "/api/v1/endpoints/"+ep.ID+"/secret/reveal", "")
	if code != http.StatusOK || !strings.Contains(body, ep.Secret) {
		t.Fatalf("reveal after rotating: %d %s, want %s", code, body, ep.Secret)
	}
	p.stop(t, syscall.SIGTERM)
}
