#!/usr/bin/env node
// The providers' official Node SDKs against `smshook sandbox`: each sends
// one SMS to the sandbox with the SDK's own client and parses the answer
// with the SDK's own code, as an app would. pkg/sandbox/node_sdk_test.go
// drives it, one JSON object a line on stdin, one answer a line on stdout:
//
//   {"op":"send","provider":"telnyx","base":"http://127.0.0.1:PORT/telnyx",
//    "to":"+1…","from":"+1…","text":"…","callback":"http://…","secret":"…"}
//   -> {"id":"…","status":"…","answer":{…what the SDK returned…}}
//   or {"error":"…","http":400,"code":"…"}: the SDK's error, its HTTP
//      status and the provider's error code as the SDK parsed them
//
//   {"op":"fetch", …the same…, "id":"…"}   (the SDK reads the message back)
//   -> {"id":"…","status":"…","answer":{…}}
//
//   {"op":"verify", …}  (oracle.js's: the SDK's validator on a callback)
//
// "secret" is the API credential the SDK authenticates with. How each SDK
// is pointed at the sandbox, as the README tells an app to:
//   twilio       a custom httpClient (the SDK's documented hook) rewriting
//                https://api.twilio.com to the base URL
//   telnyx       baseURL
//   @vonage/sms  restHost
//   plivo        the client's url option
//   @sinch/sdk-core  smsHostname
//   bandwidth-sdk  the Configuration's basePath
//   messagebird  none: the SDK calls https.request for rest.messagebird.com
//                with no host, port or protocol option, so this script
//                routes that call to the sandbox over http, leaving the
//                SDK's request and its parsing of the answer as they are.
"use strict";

// stdout carries the answers only: what the SDKs log (the Sinch SDK prints
// a failed request there) goes to stderr.
const util = require("util");
for (const level of ["log", "info", "debug", "warn"]) {
  console[level] = (...args) => process.stderr.write(util.format(...args) + "\n");
}

const http = require("http");
const https = require("https");
const oracle = require("./oracle.js");

const twilio = require("twilio");
const { Telnyx } = require("telnyx");
const { SMS } = require("@vonage/sms");
const plivo = require("plivo");
const { SinchClient } = require("@sinch/sdk-core");
const messagebird = require("messagebird");
const bandwidth = require("bandwidth-sdk");

const timeout = 5000;

// The sandbox's base URL for the MessageBird SDK's requests (see above).
let messagebirdBase = null;
const httpsRequest = https.request;
https.request = function (options, ...rest) {
  if (messagebirdBase && options && typeof options === "object" && options.hostname === "rest.messagebird.com") {
    const base = new URL(messagebirdBase);
    return http.request({ ...options, protocol: "http:", hostname: base.hostname, port: base.port, path: base.pathname.replace(/\/$/, "") + options.path }, ...rest);
  }
  return httpsRequest.call(this, options, ...rest);
};

// plain turns an SDK's objects into JSON-able data (dates, class instances).
const plain = (v) => JSON.parse(JSON.stringify(v === undefined ? null : v));

const twilioClient = (c) => {
  class ToSandbox extends twilio.RequestClient {
    request(opts) {
      return super.request({ ...opts, uri: opts.uri.replace(/^https:\/\/api\.twilio\.com/, c.base) });
    }
  }
  return twilio(c.account, c.secret, { httpClient: new ToSandbox({ timeout }) });
};

const telnyxClient = (c) => new Telnyx({ apiKey: c.secret, baseURL: c.base + "/v2", maxRetries: 0, timeout });
const plivoClient = (c) => new plivo.Client(c.account, c.secret, { url: `${c.base}/v1/Account/${c.account}`, timeout });
const sinchClient = (c) => new SinchClient({ servicePlanId: c.account, apiToken: c.secret, smsHostname: c.base }).sms;

const bandwidthMessages = (c) => new bandwidth.MessagesApi(new bandwidth.Configuration({
  username: c.account, password: c.secret, basePath: c.base + "/api/v2", baseOptions: { timeout },
}));

const messagebirdCall = (c, fn) => new Promise((resolve, reject) => {
  messagebirdBase = c.base;
  const client = messagebird.initClient(c.secret, timeout);
  fn(client, (err, res) => (err ? reject(err) : resolve(res)));
});

const senders = {
  async twilio(c) {
    const m = await twilioClient(c).messages.create({ to: c.to, from: c.from, body: c.text, statusCallback: c.callback });
    return { id: m.sid, status: m.status, answer: plain(m.toJSON()) };
  },
  async telnyx(c) {
    const r = await telnyxClient(c).messages.send({ to: c.to, from: c.from, text: c.text, webhook_url: c.callback });
    return { id: r.data.id, status: r.data.to[0].status, answer: plain(r) };
  },
  async vonage(c) {
    const sms = new SMS({ apiKey: c.account, apiSecret: c.secret }, { restHost: c.base, timeout });
    const r = await sms.send({ to: c.to, from: c.from, text: c.text, callback: c.callback, clientRef: "sdk-test" });
    return { id: r.messages[0].messageId, status: r.messages[0].status, answer: plain(r) };
  },
  async plivo(c) {
    const r = await plivoClient(c).messages.create({ src: c.from, dst: c.to, text: c.text, url: c.callback, method: "POST" });
    return { id: r.messageUuid[0], status: r.message, answer: plain(r) };
  },
  async sinch(c) {
    const r = await sinchClient(c).batches.send({ sendSMSRequestBody: {
      to: [c.to], from: c.from, body: c.text, delivery_report: "per_recipient", callback_url: c.callback, client_reference: "sdk-test",
    } });
    return { id: r.id, status: `${r.type}${r.canceled ? " canceled" : ""}`, answer: plain(r) };
  },
  async messagebird(c) {
    const r = await messagebirdCall(c, (client, done) => client.messages.create({
      originator: c.from, recipients: [c.to], body: c.text, reportUrl: c.callback, reference: "sdk-test",
    }, done));
    return { id: r.id, status: r.recipients.items[0].status, answer: plain(r) };
  },
  async bandwidth(c) {
    // The callback URL is the application's, not the request's.
    const r = await bandwidthMessages(c).createMessage("9900000", {
      applicationId: "93de2206-9669-4e07-948d-329f4b722ee2", to: [c.to], from: c.from, text: c.text, tag: "sdk-test",
    });
    return { id: r.data.id, status: `${r.status} ${r.data.direction}`, answer: plain(r.data) };
  },
};

const fetchers = {
  async twilio(c) {
    const m = await twilioClient(c).messages(c.id).fetch();
    return { id: m.sid, status: m.status, answer: plain(m.toJSON()) };
  },
  async telnyx(c) {
    const r = await telnyxClient(c).messages.retrieve(c.id);
    return { id: r.data.id, status: r.data.to[0].status, answer: plain(r) };
  },
  async plivo(c) {
    const r = await plivoClient(c).messages.get(c.id);
    return { id: r.messageUuid, status: r.messageState, answer: plain(r) };
  },
  async sinch(c) {
    const r = await sinchClient(c).batches.get({ batch_id: c.id });
    return { id: r.id, status: `${r.type}${r.canceled ? " canceled" : ""}`, answer: plain(r) };
  },
  async messagebird(c) {
    const r = await messagebirdCall(c, (client, done) => client.messages.read(c.id, done));
    return { id: r.id, status: r.recipients.items[0].status, answer: plain(r) };
  },
};

// errorOf reads an SDK's error as the SDK parsed it: the HTTP status and
// the provider's own error code.
const errorOf = {
  twilio: (e) => ({ http: e.status, code: String(e.code) }),
  telnyx: (e) => ({ http: e.status, code: e.error && e.error.errors && e.error.errors[0].code }),
  vonage: (e) => ({ http: 200, code: e.response && e.response.messages[0].status }),
  plivo: (e) => ({ http: e.status, code: e.message }),
  sinch: (e) => ({ http: e.statusCode, code: e.data && JSON.parse(e.data).code }),
  messagebird: (e) => ({ http: e.statusCode, code: e.errors && String(e.errors[0].code) }),
  bandwidth: (e) => ({ http: e.response && e.response.status, code: e.response && e.response.data && e.response.data.type }),
};

// describe keeps an SDK's error readable: its message and, when it has
// them, the HTTP status and the body it failed to take.
function describe(e) {
  const parts = [String((e && e.message) || e)];
  for (const k of ["status", "statusCode", "code", "errors", "error", "response"]) {
    if (e && e[k] !== undefined && typeof e[k] !== "function") {
      try {
        parts.push(`${k}=${JSON.stringify(e[k])}`.slice(0, 500));
      } catch (_) {
        parts.push(`${k}=?`);
      }
    }
  }
  return parts.join(" ");
}

async function handle(line) {
  const c = JSON.parse(line);
  if (c.op === "verify" || c.op === "sign") return oracle.handle(line);
  const table = c.op === "send" ? senders : c.op === "fetch" ? fetchers : null;
  if (!table) return { error: `unknown op ${c.op}` };
  const fn = table[c.provider];
  if (!fn) return { error: `no ${c.op} for ${c.provider}` };
  try {
    return await fn(c);
  } catch (e) {
    let parsed = {};
    try {
      parsed = (errorOf[c.provider] || (() => ({})))(e);
    } catch (_) {
      // the error is not the SDK's kind: describe says what it is
    }
    return { error: describe(e), ...parsed };
  }
}

oracle.serveLines(handle);
