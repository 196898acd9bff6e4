#!/usr/bin/env node
// The providers' official Node SDKs as an oracle for smshook's signatures.
//
// One JSON object a line on stdin, one answer a line on stdout, in order:
//
//   {"op":"verify","provider":"twilio","secret":"…","method":"POST",
//    "url":"https://…","headers":{"X-Twilio-Signature":"…"},"body":"<base64>"}
//   -> {"valid":true} or {"valid":false,"error":"…"}
//
//   {"op":"sign", …the same without the signature…, "now":1700000000}
//   -> {"url":"…","headers":{…},"body":"<base64>"}  (what the SDK signed)
//
// Where an SDK has no signer, "sign" uses the SDK's own code with its
// internal signer exposed (plivo, @vonage/sms), or the library the SDK
// verifies with (jose for messagebird, node's Ed25519 for telnyx): each
// case's "signer" field says which. pkg/signing/node_oracle_test.go drives it.
"use strict";

const crypto = require("crypto");
const fs = require("fs");
const Module = require("module");
const path = require("path");
const querystring = require("querystring");
const readline = require("readline");

const twilio = require("twilio/lib/webhooks/webhooks");
const standardwebhooks = require("standardwebhooks");
const plivo = require("plivo");
const { SMS } = require("@vonage/sms");
// The helper file itself: the package's index needs @sinch/sdk-core, which
// the registry cannot install at 1.5.0 (its @sinch/conversation@1.5.0 is missing).
const sinch = require(path.join(__dirname, "node_modules/@sinch/sdk-client/dist/utils/authorization.helper.js"));
const { TelnyxWebhook } = require("telnyx/lib/webhooks");
const messagebird = require("messagebird/lib/webhook-signature-jwt");

// exposeInternals loads a module file of an SDK again with some of its
// top-level functions exported too, so that its own signing code can sign.
function exposeInternals(modulePath, names, patch = (s) => s) {
  const file = path.join(__dirname, "node_modules", modulePath);
  let src = patch(fs.readFileSync(file, "utf8"));
  src += "\n" + names.map((n) => `exports.${n} = ${n};`).join("\n") + "\n";
  const m = new Module(file, module);
  m.filename = file;
  m.paths = Module._nodeModulePaths(path.dirname(file));
  m._compile(src, file);
  return m.exports;
}

const plivoV3 = exposeInternals("plivo/dist/utils/v3Security.js", ["construct_get_url", "construct_post_url", "get_signature_v3"]);
// verifySignature computes the signature and compares: return it instead.
const vonageSigner = exposeInternals("@vonage/sms/dist/cjs/sms.js", [], (s) =>
  s.replace("return signature.toUpperCase() === hash.toUpperCase();", "return hash;"));

const lower = (h) => Object.fromEntries(Object.entries(h || {}).map(([k, v]) => [k.toLowerCase(), v]));
const queryOf = (url) => (url.includes("?") ? url.slice(url.indexOf("?") + 1).split("#")[0] : "");
const isForm = (c) => !(c.headers["content-type"] || "").includes("json");
// What an Express app hands the SDK: the form body parsed by
// express.urlencoded({extended: false}), which is node's querystring.
const formParams = (c) => (c.method === "GET" || !isForm(c) ? {} : querystring.parse(c.body.toString("utf8")));

let jose; // ESM only: loaded on first use
let svix;

const verifiers = {
  async twilio(c) {
    const sig = c.headers["x-twilio-signature"];
    if (c.url.includes("bodySHA256")) {
      return twilio.validateRequestWithBody(c.secret, sig, c.url, c.body.toString("utf8"));
    }
    return twilio.validateRequest(c.secret, sig, c.url, formParams(c));
  },
  async "standard-webhooks"(c) {
    new standardwebhooks.Webhook(c.secret).verify(c.body.toString("utf8"), c.headers);
    return true;
  },
  async svix(c) {
    svix = svix || (await import("svix"));
    new svix.Webhook(c.secret).verify(c.body.toString("utf8"), c.headers);
    return true;
  },
  async telnyx(c) {
    await new TelnyxWebhook(c.secret).verify(c.body.toString("utf8"), c.headers);
    return true;
  },
  async plivo(c) {
    const h = c.headers;
    const v2 = plivo.validateSignature(c.url, h["x-plivo-signature-v2-nonce"] || "", h["x-plivo-signature-v2"] || "", c.secret);
    const v3 = plivo.validateV3Signature(c.method, c.url, h["x-plivo-signature-v3-nonce"] || "", c.secret, h["x-plivo-signature-v3"] || "", formParams(c));
    if (!v2 || !v3) throw new Error(`plivo V2 ${v2}, V3 ${v3}`);
    return true;
  },
  async vonage(c) {
    // The SDK's own advice: Object.assign(request.query, request.body).
    const params = Object.assign(querystring.parse(queryOf(c.url)), formParams(c));
    return new SMS({ apiKey: "k", apiSecret: "s" }).verifySignature(params.sig || "", params, c.secret, "MD5HASH");
  },
  async sinch(c) {
    return sinch.validateWebhookSignature(c.secret, c.headers, c.body.toString("utf8"));
  },
  async messagebird(c) {
    await messagebird.verify(c.url, c.body, c.headers["messagebird-signature-jwt"], crypto.createSecretKey(Buffer.from(c.secret, "utf8")));
    return true;
  },
};

const signers = {
  async twilio(c) {
    let url = c.url;
    let params = formParams(c);
    if (c.method !== "GET" && !isForm(c)) {
      url += (url.includes("?") ? "&" : "?") + "bodySHA256=" + twilio.getExpectedBodyHash(c.body.toString("utf8"));
      params = {};
    }
    return { url, headers: { "X-Twilio-Signature": twilio.getExpectedTwilioSignature(c.secret, url, params) } };
  },
  async "standard-webhooks"(c) {
    const id = "msg_" + crypto.randomUUID();
    const sig = new standardwebhooks.Webhook(c.secret).sign(id, new Date(c.now * 1000), c.body.toString("utf8"));
    return { headers: { "webhook-id": id, "webhook-timestamp": String(c.now), "webhook-signature": sig } };
  },
  async svix(c) {
    svix = svix || (await import("svix"));
    const id = "msg_" + crypto.randomUUID();
    const sig = new svix.Webhook(c.secret).sign(id, new Date(c.now * 1000), c.body.toString("utf8"));
    return { headers: { "webhook-id": id, "webhook-timestamp": String(c.now), "webhook-signature": sig } };
  },
  async telnyx(c) {
    // secret: the 64-byte private key (seed then public key), base64.
    const raw = Buffer.from(c.secret, "base64");
    const key = crypto.createPrivateKey({ format: "jwk", key: { kty: "OKP", crv: "Ed25519", d: raw.subarray(0, 32).toString("base64url"), x: raw.subarray(32).toString("base64url") } });
    const sig = crypto.sign(null, Buffer.concat([Buffer.from(`${c.now}|`), c.body]), key);
    return { headers: { "telnyx-signature-ed25519": sig.toString("base64"), "telnyx-timestamp": String(c.now) } };
  },
  async plivo(c) {
    const nonce = String(c.now) + "01234567";
    const params = formParams(c);
    const base = c.method === "GET" ? plivoV3.construct_get_url(c.url, params) : plivoV3.construct_post_url(c.url, params);
    const v2 = crypto.createHmac("sha256", c.secret).update(c.url.split("?")[0].split("#")[0] + nonce).digest("base64");
    return { headers: {
      "X-Plivo-Signature-V2": v2, "X-Plivo-Signature-V2-Nonce": nonce,
      "X-Plivo-Signature-V3": plivoV3.get_signature_v3(c.secret, base, nonce), "X-Plivo-Signature-V3-Nonce": nonce,
    } };
  },
  async vonage(c) {
    const add = { timestamp: String(c.now), nonce: crypto.randomUUID() };
    const params = Object.assign(querystring.parse(queryOf(c.url)), formParams(c), add);
    add.sig = vonageSigner.SMS.prototype.verifySignature.call(null, "", params, c.secret, "MD5HASH");
    const extra = querystring.stringify(add);
    if (c.method === "GET") {
      return { url: c.url + (c.url.includes("?") ? "&" : "?") + extra };
    }
    const body = c.body.length ? c.body.toString("utf8") + "&" + extra : extra;
    return { body: Buffer.from(body) };
  },
  async sinch(c) {
    const nonce = crypto.randomUUID();
    const sig = sinch.calculateWebhookSignature(sinch.computeSignedData(c.body.toString("utf8"), nonce, String(c.now)), c.secret);
    return { headers: {
      "x-sinch-webhook-signature": sig, "x-sinch-webhook-signature-nonce": nonce,
      "x-sinch-webhook-signature-timestamp": String(c.now), "x-sinch-webhook-signature-algorithm": "HmacSHA256",
    } };
  },
  async messagebird(c) {
    jose = jose || require("jose");
    const claims = { url_hash: crypto.createHash("sha256").update(c.url).digest("hex") };
    if (c.body.length) claims.payload_hash = crypto.createHash("sha256").update(c.body).digest("hex");
    const jwt = await new jose.SignJWT(claims).setProtectedHeader({ alg: "HS256", typ: "JWT" })
      .setIssuer("MessageBird").setNotBefore(c.now).setExpirationTime(c.now + 60).setJti(crypto.randomUUID())
      .sign(Buffer.from(c.secret, "utf8"));
    return { headers: { "MessageBird-Signature-JWT": jwt } };
  },
};

async function handle(line) {
  const c = JSON.parse(line);
  c.body = Buffer.from(c.body || "", "base64");
  c.headers = lower(c.headers);
  c.method = (c.method || "POST").toUpperCase();
  if (c.op === "verify") {
    const fn = verifiers[c.provider];
    if (!fn) return { error: `no verifier for ${c.provider}` };
    try {
      const valid = await fn(c);
      return valid ? { valid: true } : { valid: false, error: "the SDK says invalid" };
    } catch (e) {
      return { valid: false, error: String(e && e.message || e) };
    }
  }
  const fn = signers[c.provider];
  if (!fn) return { error: `no signer for ${c.provider}` };
  const out = await fn(c);
  return { url: out.url || c.url, headers: out.headers || {}, body: (out.body || c.body).toString("base64") };
}

// serveLines answers each JSON line of stdin with handler's answer, in order.
function serveLines(handler) {
  const rl = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
  let queue = Promise.resolve();
  rl.on("line", (line) => {
    if (!line.trim()) return;
    queue = queue.then(async () => {
      let out;
      try {
        out = await handler(line);
      } catch (e) {
        out = { error: String(e && e.stack || e) };
      }
      process.stdout.write(JSON.stringify(out) + "\n");
    });
  });
}

// sandbox.js reuses the verifiers and the line loop.
module.exports = { handle, serveLines };

if (require.main === module) serveLines(handle);
