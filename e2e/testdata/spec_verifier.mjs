// The Node verifier from the public documentation (spec/webhooks.md), as
// a module of its own so a receiver can load it once per secret it holds
// (it reads its secret from the environment when it is loaded). The
// documentation's TypeScript is written as plain JavaScript (the two type
// annotations and the return type dropped); the crypto logic is unchanged.

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
