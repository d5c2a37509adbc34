package views

// The verification snippets on the endpoint page. Node and Python are the
// spec's own (webhooks.md), byte for byte: customers already run them. The
// Go one does exactly what internal/webhook.Verify does (README, "Verifying
// a delivery in Go"), with the standard library only, since customers
// cannot import our internal package.

// Snippet is one language's verifier.
type Snippet struct {
	ID    string
	Label string
	Code  string
}

// Snippets are the verifiers, in the order shown.
var Snippets = []Snippet{
	{ID: "node", Label: "Node.js", Code: snippetNode},
	{ID: "python", Label: "Python", Code: snippetPython},
	{ID: "go", Label: "Go", Code: snippetGo},
}

const snippetNode = `// Verify a ClipCabinet webhook signature in Node.js
import crypto from "node:crypto";
const SECRET = process.env.CLIPCABINET_WEBHOOK_SECRET; // whsec_...
export function verifyClipCabinetWebhook(
  rawBody: string,
  signatureHeader: string,
): boolean {
  if (!signatureHeader.startsWith("sha256=")) return false;
  const expected = "sha256=" + crypto
    .createHmac("sha256", SECRET)
    .update(rawBody)
    .digest("hex");
  return crypto.timingSafeEqual(
    Buffer.from(signatureHeader),
    Buffer.from(expected),
  );
}
// Express example
app.post("/hooks/clipcabinet", express.raw({ type: "application/json" }), (req, res) => {
  const sig = req.header("X-ClipCabinet-Signature") ?? "";
  if (!verifyClipCabinetWebhook(req.body.toString("utf8"), sig)) {
    return res.status(401).send("invalid signature");
  }
  const event = JSON.parse(req.body.toString("utf8"));
  // ... handle event
  res.status(200).send("ok");
});
`

const snippetPython = `# Verify a ClipCabinet webhook signature in Python
import hmac
import hashlib
import os
SECRET = os.environ["CLIPCABINET_WEBHOOK_SECRET"]  # whsec_...
def verify_clipcabinet_webhook(raw_body: bytes, signature_header: str) -> bool:
    if not signature_header.startswith("sha256="):
        return False
    expected = "sha256=" + hmac.new(
        SECRET.encode("utf-8"),
        raw_body,
        hashlib.sha256,
    ).hexdigest()
    return hmac.compare_digest(signature_header, expected)
# Flask example
from flask import Flask, request, abort
app = Flask(__name__)
@app.post("/hooks/clipcabinet")
def receive_clipcabinet_webhook():
    sig = request.headers.get("X-ClipCabinet-Signature", "")
    if not verify_clipcabinet_webhook(request.get_data(), sig):
        abort(401, "invalid signature")
    event = request.get_json(force=True)
    # ... handle event
    return ("ok", 200)
`

const snippetGo = `// Verify a ClipCabinet webhook signature in Go (standard library only)
package main

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"os"
)

var secret = os.Getenv("CLIPCABINET_WEBHOOK_SECRET") // whsec_...

func verifyClipCabinetWebhook(rawBody []byte, signatureHeader string) bool {
	mac := hmac.New(sha256.New, []byte(secret)) // the whole whsec_... string is the key
	mac.Write(rawBody)
	expected := "sha256=" + hex.EncodeToString(mac.Sum(nil))
	return hmac.Equal([]byte(signatureHeader), []byte(expected))
}

func handleClipCabinetWebhook(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<20))
	if err != nil || !verifyClipCabinetWebhook(body, r.Header.Get("X-ClipCabinet-Signature")) {
		http.Error(w, "invalid signature", http.StatusUnauthorized)
		return
	}
	// Dedupe on r.Header.Get("X-ClipCabinet-Delivery"), then json.Unmarshal(body, &event).
	w.WriteHeader(http.StatusOK)
}

func main() {
	http.HandleFunc("POST /hooks/clipcabinet", handleClipCabinetWebhook)
	_ = http.ListenAndServe(":3000", nil)
}
`

// RotationSnippets are the verifiers shown while a rotation is pending:
// the same checks, accepting either of the two secrets, so a receiver can
// hold both until the changeover and drop the old one after it.
var RotationSnippets = []Snippet{
	{ID: "node", Label: "Node.js", Code: rotationNode},
	{ID: "python", Label: "Python", Code: rotationPython},
	{ID: "go", Label: "Go", Code: rotationGo},
}

const rotationNode = `// Verify a ClipCabinet webhook signature in Node.js, accepting either
// secret while a rotation is pending
import crypto from "node:crypto";
const SECRETS = [
  process.env.CLIPCABINET_WEBHOOK_SECRET,      // the current secret, whsec_...
  process.env.CLIPCABINET_WEBHOOK_SECRET_NEXT, // the new secret, whsec_...
].filter(Boolean);
export function verifyClipCabinetWebhook(rawBody, signatureHeader) {
  if (!signatureHeader.startsWith("sha256=")) return false;
  return SECRETS.some((secret) => {
    const expected = "sha256=" + crypto
      .createHmac("sha256", secret)
      .update(rawBody)
      .digest("hex");
    return signatureHeader.length === expected.length &&
      crypto.timingSafeEqual(Buffer.from(signatureHeader), Buffer.from(expected));
  });
}`

const rotationPython = `# Verify a ClipCabinet webhook signature in Python, accepting either
# secret while a rotation is pending
import hmac
import hashlib
import os
SECRETS = [s for s in (
    os.environ.get("CLIPCABINET_WEBHOOK_SECRET"),       # the current secret, whsec_...
    os.environ.get("CLIPCABINET_WEBHOOK_SECRET_NEXT"),  # the new secret, whsec_...
) if s]
def verify_clipcabinet_webhook(raw_body: bytes, signature_header: str) -> bool:
    if not signature_header.startswith("sha256="):
        return False
    return any(
        hmac.compare_digest(signature_header, "sha256=" + hmac.new(
            secret.encode("utf-8"), raw_body, hashlib.sha256,
        ).hexdigest())
        for secret in SECRETS
    )`

const rotationGo = `// Verify a ClipCabinet webhook signature in Go, accepting either secret
// while a rotation is pending (standard library only)
package main

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"os"
)

var secrets = []string{
	os.Getenv("CLIPCABINET_WEBHOOK_SECRET"),      // the current secret, whsec_...
	os.Getenv("CLIPCABINET_WEBHOOK_SECRET_NEXT"), // the new secret, whsec_...
}

func verifyClipCabinetWebhook(rawBody []byte, signatureHeader string) bool {
	for _, secret := range secrets {
		if secret == "" {
			continue
		}
		mac := hmac.New(sha256.New, []byte(secret))
		mac.Write(rawBody)
		expected := "sha256=" + hex.EncodeToString(mac.Sum(nil))
		if hmac.Equal([]byte(signatureHeader), []byte(expected)) {
			return true
		}
	}
	return false
}`

// StandardSnippet verifies the Standard Webhooks headers with the official
// library (npm standardwebhooks); its Webhook accepts the whsec_ secret
// as it is, and any of the signatures in the header.
const StandardSnippet = `// npm install standardwebhooks
import { Webhook } from "standardwebhooks";
const wh = new Webhook(process.env.CLIPCABINET_WEBHOOK_SECRET); // whsec_...
// rawBody: the request body as a string; throws if the signature is invalid
const event = wh.verify(rawBody, {
  "webhook-id": req.header("webhook-id"),
  "webhook-timestamp": req.header("webhook-timestamp"),
  "webhook-signature": req.header("webhook-signature"),
});`

// snippetsFor returns the verifiers to show: the documented ones, byte for
// byte, unless a rotation is pending.
func snippetsFor(pending bool) []Snippet {
	if pending {
		return RotationSnippets
	}
	return Snippets
}
