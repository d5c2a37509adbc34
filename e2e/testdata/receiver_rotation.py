# A receiver for the secret rotation test, in Python: each request is
# verified by the documentation's Python verifier (spec/webhooks.md,
# copied byte for byte below) and by a Standard Webhooks verifier, once
# for each receiver the test plays: one holding only the old secret, one
# holding only the new, one holding both (accepting either).
#
# The official Standard Webhooks library for Python ("standardwebhooks")
# cannot be installed here: of the package registries, this project's
# machines reach only the Go module proxy, Debian's packages and npm. So
# verify_standard_webhook below is written from the specification
# (standard-webhooks/standard-webhooks, "Verifying webhooks"), as the
# official libraries do it: key = base64-decoded secret after "whsec_",
# HMAC-SHA256 over "{webhook-id}.{webhook-timestamp}.{body}", each
# space-separated "v1,<base64>" compared in constant time, and a timestamp
# more than 5 minutes away refused.
#
# The secrets are read from the JSON file named by HOLDERS_FILE on every
# request ({"old": "whsec_...", "new": "whsec_..."}). Prints "PORT <n>",
# then one JSON line per request like receiver_rotation.mjs.
import base64
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# --- from the documentation, unchanged ---
# Verify a ClipCabinet webhook signature in Python
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
# --- end of the documentation's code ---

TOLERANCE_SECONDS = 5 * 60


def verify_standard_webhook(secret: str, headers, raw_body: bytes) -> bool:
    msg_id = headers.get("webhook-id")
    timestamp = headers.get("webhook-timestamp")
    signatures = headers.get("webhook-signature")
    if not msg_id or not timestamp or not signatures:
        return False
    try:
        ts = int(timestamp)
    except ValueError:
        return False
    if abs(time.time() - ts) > TOLERANCE_SECONDS:
        return False
    if secret.startswith("whsec_"):
        secret = secret[len("whsec_"):]
    key = base64.b64decode(secret)
    signed = msg_id.encode("utf-8") + b"." + timestamp.encode("utf-8") + b"." + raw_body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode("ascii")
    for versioned in signatures.split(" "):
        version, _, sig = versioned.partition(",")
        if version == "v1" and hmac.compare_digest(sig, expected):
            return True
    return False


# The documentation's verifier reads the module-level SECRET; each holder's
# secrets are tried by setting it in turn, under a lock.
spec_lock = threading.Lock()


def spec_verifies(secret: str, raw_body: bytes, sig: str) -> bool:
    global SECRET
    with spec_lock:
        SECRET = secret
        return verify_clipcabinet_webhook(raw_body, sig)


def verdicts(held_by, check):
    out = {}
    for holder, held in held_by.items():
        if not all(held):
            out[holder] = None
            continue
        out[holder] = any(check(s) for s in held)
    return out


out_lock = threading.Lock()


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        raw_body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        with open(os.environ["HOLDERS_FILE"]) as f:
            h = json.load(f)
        held_by = {"old": [h.get("old")], "new": [h.get("new")], "both": [h.get("old"), h.get("new")]}
        sig = self.headers.get("X-ClipCabinet-Signature", "")
        spec = verdicts(held_by, lambda s: spec_verifies(s, raw_body, sig))
        sw = verdicts(held_by, lambda s: verify_standard_webhook(s, self.headers, raw_body))
        verified = any(v is True for v in list(spec.values()) + list(sw.values()))
        status = 200 if verified else 401
        record = {
            "headers": [[k, v] for k, v in self.headers.items()],
            "body": base64.b64encode(raw_body).decode("ascii"),
            "spec": spec,
            "sw": sw,
            "verified": verified,
            "status": status,
        }
        with out_lock:
            print(json.dumps(record), flush=True)
        reply = b"ok" if verified else b"invalid signature"
        self.send_response(status)
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    def log_message(self, format, *args):
        pass


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print("PORT %d" % server.server_address[1], flush=True)
try:
    server.serve_forever()
except KeyboardInterrupt:
    sys.exit(0)
