# A ClipCabinet webhook receiver built around the verifier from the public
# documentation (spec/webhooks.md), copied byte for byte: the Flask example
# becomes the standard library's http.server, nothing else changes.
#
# Prints "PORT <n>" once listening on 127.0.0.1, then one JSON line per
# request: {"headers": [[name, value], ...], "body": <base64>,
#           "verified": bool, "keys": [...], "status": int}.
import base64
import json
import sys
import threading
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

out_lock = threading.Lock()


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        raw_body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        # As in the Flask example: request.headers.get(...), request.get_data().
        sig = self.headers.get("X-ClipCabinet-Signature", "")
        verified = verify_clipcabinet_webhook(raw_body, sig)
        keys = []
        status = 401
        if verified:
            event = json.loads(raw_body)  # request.get_json(force=True)
            keys = list(event.keys())
            status = 200
        record = {
            "headers": [[k, v] for k, v in self.headers.items()],
            "body": base64.b64encode(raw_body).decode("ascii"),
            "verified": verified,
            "keys": keys,
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
