// A receiver for the secret rotation test: each request is verified by
// the documentation's Node verifier (spec_verifier.mjs) and by the
// official Standard Webhooks library (npm "standardwebhooks"), once for
// each receiver the test plays: one holding only the old secret, one
// holding only the new, one holding both (accepting either).
//
// The secrets are read from the JSON file named by HOLDERS_FILE on every
// request ({"old": "whsec_...", "new": "whsec_..."}), since the new secret
// exists only once the test has rotated. A holder without its secret yet
// gets null.
//
// Prints "PORT <n>" once listening on 127.0.0.1, then one JSON line per
// request: {"headers": [[name, value], ...], "body": <base64>,
//   "spec": {"old": bool|null, "new": ..., "both": ...}, "sw": {...},
//   "verified": bool, "status": int}. It answers 200 when any holder
// accepts the request, else 401.
import fs from "node:fs";
import http from "node:http";
import { Webhook } from "standardwebhooks";

// The documentation's verifier reads its secret when its module is
// loaded: one module instance per secret (a distinct URL each), loaded one
// at a time so each sees its own environment.
const specVerifiers = new Map();
let loading = Promise.resolve();
function specVerifier(secret) {
  if (!specVerifiers.has(secret)) {
    const p = loading.then(async () => {
      process.env.CLIPCABINET_WEBHOOK_SECRET = secret;
      const url = new URL("./spec_verifier.mjs?secret=" + encodeURIComponent(secret), import.meta.url);
      return (await import(url.href)).verifyClipCabinetWebhook;
    });
    loading = p;
    specVerifiers.set(secret, p);
  }
  return specVerifiers.get(secret);
}

async function specVerifies(secret, rawBody, sig) {
  const verify = await specVerifier(secret);
  try {
    return verify(rawBody, sig);
  } catch (e) {
    return false; // timingSafeEqual throws when the lengths differ
  }
}

function swVerifies(secret, rawBody, headers) {
  try {
    new Webhook(secret).verify(rawBody, headers);
    return true;
  } catch (e) {
    return false;
  }
}

async function verdicts(secrets, check) {
  const out = {};
  for (const [holder, held] of Object.entries(secrets)) {
    if (held.some((s) => !s)) {
      out[holder] = null;
      continue;
    }
    let ok = false;
    for (const s of held) {
      if (await check(s)) ok = true;
    }
    out[holder] = ok;
  }
  return out;
}

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on("data", (c) => chunks.push(c));
  req.on("end", async () => {
    const body = Buffer.concat(chunks);
    const raw = body.toString("utf8");
    const h = JSON.parse(fs.readFileSync(process.env.HOLDERS_FILE, "utf8"));
    const secrets = { old: [h.old], new: [h.new], both: [h.old, h.new] };
    const sig = req.headers["x-clipcabinet-signature"] ?? "";
    const swHeaders = {
      "webhook-id": req.headers["webhook-id"] ?? "",
      "webhook-timestamp": req.headers["webhook-timestamp"] ?? "",
      "webhook-signature": req.headers["webhook-signature"] ?? "",
    };
    const spec = await verdicts(secrets, (s) => specVerifies(s, raw, sig));
    const sw = await verdicts(secrets, (s) => swVerifies(s, raw, swHeaders));
    const verified = [...Object.values(spec), ...Object.values(sw)].some((v) => v === true);
    const headers = [];
    for (let i = 0; i < req.rawHeaders.length; i += 2) {
      headers.push([req.rawHeaders[i], req.rawHeaders[i + 1]]);
    }
    const status = verified ? 200 : 401;
    process.stdout.write(JSON.stringify({
      headers, body: body.toString("base64"), spec, sw, verified, status,
    }) + "\n");
    res.statusCode = status;
    res.end(verified ? "ok" : "invalid signature");
  });
});

server.listen(0, "127.0.0.1", () => {
  process.stdout.write("PORT " + server.address().port + "\n");
});
