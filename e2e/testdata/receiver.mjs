// A ClipCabinet webhook receiver built around the verifier from the public
// documentation (spec/webhooks.md). The documentation's TypeScript is
// written as plain JavaScript (the two type annotations dropped); the
// crypto logic is unchanged. The Express example becomes node:http, reading
// the raw body as express.raw() would.
//
// Prints "PORT <n>" once listening on 127.0.0.1, then one JSON line per
// request: {"headers": [[name, value], ...], "body": <base64>,
//           "verified": bool, "keys": [...], "status": int}.
import http from "node:http";

// --- from the documentation (types dropped) ---
// Verify a ClipCabinet webhook signature in Node.js
import crypto from "node:crypto";
const SECRET = process.env.CLIPCABINET_WEBHOOK_SECRET; // whsec_...
export function verifyClipCabinetWebhook(
  rawBody,
  signatureHeader,
) {
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
// --- end of the documentation's code ---

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on("data", (c) => chunks.push(c));
  req.on("end", () => {
    const body = Buffer.concat(chunks);
    // As in the Express example: req.header(...) ?? "", req.body.toString("utf8").
    const sig = req.headers["x-clipcabinet-signature"] ?? "";
    let verified = false;
    try {
      verified = verifyClipCabinetWebhook(body.toString("utf8"), sig);
    } catch (e) {
      verified = false; // timingSafeEqual throws when the lengths differ
    }
    let keys = [];
    if (verified) {
      keys = Object.keys(JSON.parse(body.toString("utf8")));
    }
    const headers = [];
    for (let i = 0; i < req.rawHeaders.length; i += 2) {
      headers.push([req.rawHeaders[i], req.rawHeaders[i + 1]]);
    }
    const status = verified ? 200 : 401;
    process.stdout.write(JSON.stringify({
      headers, body: body.toString("base64"), verified, keys, status,
    }) + "\n");
    res.statusCode = status;
    res.end(verified ? "ok" : "invalid signature");
  });
});

server.listen(0, "127.0.0.1", () => {
  process.stdout.write("PORT " + server.address().port + "\n");
});
