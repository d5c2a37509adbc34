package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/clipcabinet/webhooks/internal/testapp"
	"github.com/clipcabinet/webhooks/internal/webhook"
)

// installTestDeps runs scripts/testdeps.sh (the official Standard Webhooks
// library for Node into testdata/node_modules) once per test binary, so
// `go test ./e2e` works on a fresh machine as `make test` does.
var installTestDeps = sync.OnceValues(func() ([]byte, error) {
	return exec.Command("../scripts/testdeps.sh").CombinedOutput()
})

// holders writes the secrets the rotation receivers hold.
func writeHolders(t *testing.T, path string, h map[string]string) {
	t.Helper()
	raw, err := json.Marshal(h)
	if err != nil {
		t.Fatal(err)
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

// TestRotationVerifierMatrix: real receivers verify every delivery before,
// during and after a pending rotation. Each receiver verifies each request
// as three customers would: holding only the old secret, only the new
// one, or both (accepting either). The verifiers: the documentation's Node
// and Python verifiers of X-ClipCabinet-Signature, the official Standard
// Webhooks library for Node (npm standardwebhooks), and, for Python, a
// Standard Webhooks verifier written from the specification (the official
// Python package is on PyPI, which this project's machines cannot reach;
// see testdata/receiver_rotation.py).
//
// Which phase an attempt is in is decided by its startedAt, the moment it
// was signed, against the rotation's activatesAt; expected:
//   - ClipCabinet header, one signature: old passes until the changeover,
//     new from it on, both always;
//   - Standard Webhooks, both signatures during the window: old and new
//     both pass during it; old fails after it.
func TestRotationVerifierMatrix(t *testing.T) {
	t.Parallel()
	if out, err := installTestDeps(); err != nil {
		t.Fatalf("scripts/testdeps.sh: %v\n%s", err, out)
	}
	python, node := mustLookPath(t, "python3"), mustLookPath(t, "node")
	for _, s := range []struct{ file, want string }{
		{"receiver_rotation.py", specPython},
		{"spec_verifier.mjs", specNodeJS},
	} {
		src, err := os.ReadFile(filepath.Join("testdata", s.file))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(src), s.want) {
			t.Fatalf("testdata/%s does not contain the documented verifier unchanged", s.file)
		}
	}

	app := testapp.Start(t, testapp.Options{Env: map[string]string{"CLIPCABINET_TEST_EVENTS_PER_MINUTE": "1000"}})
	user := app.NewUser(t, "rotation@example.com")
	type receiver struct {
		lang, sw string // sw names the Standard Webhooks verifier
		ep       testapp.Endpoint
		s        *script
		holders  string
	}
	var receivers []*receiver
	for _, r := range []struct{ lang, sw, program, file string }{
		{"node", "node Standard Webhooks (official library)", node, "receiver_rotation.mjs"},
		{"python", "python Standard Webhooks (from the spec)", python, "receiver_rotation.py"},
	} {
		ep := app.NewEndpoint(t, user, "http://127.0.0.1:9/placeholder")
		holders := filepath.Join(t.TempDir(), "holders.json")
		writeHolders(t, holders, map[string]string{"old": ep.Secret})
		s := startScript(t, r.program, r.file, "unset", "HOLDERS_FILE="+holders)
		app.MustAPI(t, http.StatusOK, "PATCH", "/api/v1/endpoints/"+ep.ID, map[string]any{"url": s.URL + "/hook", "standardWebhooks": true}, nil)
		receivers = append(receivers, &receiver{lang: r.lang, sw: r.sw, ep: ep, s: s, holders: holders})
	}
	const perPhase = 3
	sent := 0
	send := func() {
		for _, r := range receivers {
			for range perPhase {
				app.MustAPI(t, http.StatusAccepted, "POST", "/api/v1/endpoints/"+r.ep.ID+"/test", map[string]string{"event": webhook.EventCommentAdded}, nil)
			}
		}
		sent += perPhase
		for _, r := range receivers {
			r.s.waitRecords(t, sent, 20*time.Second)
		}
	}

	send() // before: no rotation yet
	const window = 6 * time.Second
	newSecret := map[string]string{}
	var activatesAt time.Time
	for _, r := range receivers {
		var rot struct{ Secret, ActivatesAt string }
		app.MustAPI(t, http.StatusOK, "POST", "/api/v1/endpoints/"+r.ep.ID+"/secret/rotate", map[string]any{"activateInSeconds": int(window / time.Second)}, &rot)
		at, err := time.Parse(time.RFC3339Nano, rot.ActivatesAt)
		if err != nil {
			t.Fatal(err)
		}
		if activatesAt.IsZero() || at.Before(activatesAt) {
			activatesAt = at // the earlier of the two: "after" starts after both
		}
		newSecret[r.ep.ID] = rot.Secret
		writeHolders(t, r.holders, map[string]string{"old": r.ep.Secret, "new": rot.Secret})
	}
	rotatedAt := time.Now()
	send() // during the window
	time.Sleep(time.Until(rotatedAt.Add(window + 300*time.Millisecond)))
	send() // after the changeover

	// cells[verifier][holder][phase] = pass and fail counts.
	type tally struct{ pass, fail, none int }
	cells := map[string]map[string]map[string]*tally{}
	cell := func(v, h, p string) *tally {
		if cells[v] == nil {
			cells[v] = map[string]map[string]*tally{}
		}
		if cells[v][h] == nil {
			cells[v][h] = map[string]*tally{}
		}
		if cells[v][h][p] == nil {
			cells[v][h][p] = &tally{}
		}
		return cells[v][h][p]
	}
	for _, r := range receivers {
		recs, _ := r.s.Records()
		for _, rec := range recs {
			id := one(t, rec, webhook.HeaderDelivery)
			if got := one(t, rec, "webhook-id"); got != id {
				t.Errorf("webhook-id %q, want the delivery id %q", got, id)
			}
			var d struct {
				Attempts []struct{ StartedAt string } `json:"attempts"`
			}
			// The receiver answered before the attempt was recorded (results
			// are written in batches): wait for the record, not for a time.
			for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
				app.MustAPI(t, http.StatusOK, "GET", "/api/v1/deliveries/"+id, nil, &d)
				if len(d.Attempts) > 0 || time.Now().After(deadline) {
					break
				}
			}
			if len(d.Attempts) != 1 {
				t.Fatalf("delivery %s: %d attempts, want 1", id, len(d.Attempts))
			}
			started, err := time.Parse(time.RFC3339Nano, d.Attempts[0].StartedAt)
			if err != nil {
				t.Fatal(err)
			}
			if ts := one(t, rec, "webhook-timestamp"); ts != strconv.FormatInt(started.Unix(), 10) {
				t.Errorf("delivery %s: webhook-timestamp %s, want the attempt's start %s (%d)", id, ts, started, started.Unix())
			}
			phase := "after"
			switch {
			case rec.Spec["new"] == nil:
				phase = "before"
			case started.Before(activatesAt):
				phase = "during"
			}
			sigs := strings.Fields(one(t, rec, "webhook-signature"))
			if want := map[string]int{"before": 1, "during": 2, "after": 1}[phase]; len(sigs) != want {
				t.Errorf("delivery %s (%s): %d Standard Webhooks signatures, want %d", id, phase, len(sigs), want)
			}
			for verifier, verdicts := range map[string]map[string]*bool{
				r.lang + " spec verifier (X-ClipCabinet-Signature)": rec.Spec,
				r.sw: rec.SW,
			} {
				for _, holder := range []string{"old", "new", "both"} {
					c := cell(verifier, holder, phase)
					switch v := verdicts[holder]; {
					case v == nil:
						c.none++
					case *v:
						c.pass++
					default:
						c.fail++
					}
				}
			}
		}
	}

	// Expected: "pass", "fail", or "n/a" (the secret does not exist yet).
	expect := func(verifier, holder, phase string) string {
		std := strings.Contains(verifier, "Standard")
		switch {
		case phase == "before" && holder == "old":
			return "pass"
		case phase == "before":
			return "n/a"
		case holder == "both":
			return "pass"
		case phase == "during" && holder == "old":
			return "pass"
		case phase == "during":
			if std {
				return "pass"
			}
			return "fail"
		case holder == "old":
			return "fail"
		}
		return "pass"
	}
	var table strings.Builder
	fmt.Fprintf(&table, "\n%-52s %-5s %-22s %-22s %-22s\n", "verifier", "holds", "before", "during", "after")
	for _, r := range receivers {
		for _, verifier := range []string{r.lang + " spec verifier (X-ClipCabinet-Signature)", r.sw} {
			for _, holder := range []string{"old", "new", "both"} {
				fmt.Fprintf(&table, "%-52s %-5s", verifier, holder)
				for _, phase := range []string{"before", "during", "after"} {
					c := cell(verifier, holder, phase)
					got := "none"
					switch {
					case c.pass > 0 && c.fail == 0 && c.none == 0:
						got = "pass"
					case c.fail > 0 && c.pass == 0 && c.none == 0:
						got = "fail"
					case c.none > 0 && c.pass == 0 && c.fail == 0:
						got = "n/a"
					case c.pass+c.fail+c.none > 0:
						got = "mixed"
					}
					want := expect(verifier, holder, phase)
					mark := "ok"
					if got != want {
						mark = "WANT " + want
						t.Errorf("%s holding %s, %s the changeover: %s (%d pass, %d fail), want %s", verifier, holder, phase, got, c.pass, c.fail, want)
					}
					fmt.Fprintf(&table, " %-22s", fmt.Sprintf("%s %d/%d %s", got, c.pass, c.pass+c.fail+c.none, mark))
				}
				table.WriteString("\n")
			}
		}
	}
	t.Logf("verifier matrix (pass count / requests; phase by each attempt's send time against activatesAt %s):%s", activatesAt.Format(time.RFC3339Nano), table.String())
}

// one returns the single value of a header the record must carry once.
func one(t *testing.T, rec record, name string) string {
	t.Helper()
	v := rec.header(name)
	if len(v) != 1 {
		t.Fatalf("header %s: %q, want exactly one", name, v)
	}
	return v[0]
}
