// A Twilio webhook handler as a user writes one, on Node's own http server
// (no express): it checks X-Twilio-Signature with the official SDK's
// validateRequest and answers 403 when it does not match.
//
//   TWILIO_AUTH_TOKEN=... node twilio-express-free.js
//
// It listens on 127.0.0.1 on a free port (PORT to choose one) and prints
// "listening http://127.0.0.1:PORT" once it does. `smshook check URL
// --provider twilio` should pass every case against it (see
// pkg/cmd/check/oracle_twilio_test.go).
'use strict';

const http = require('http');
const { validateRequest } = require('twilio');

const authToken = process.env.TWILIO_AUTH_TOKEN;
if (!authToken) {
  console.error('set TWILIO_AUTH_TOKEN');
  process.exit(2);
}

// formParams is what a framework's urlencoded parser hands a handler: each
// name once, an array when it repeats.
function formParams(body) {
  const params = {};
  for (const [name, value] of new URLSearchParams(body)) {
    if (Object.prototype.hasOwnProperty.call(params, name)) {
      params[name] = [].concat(params[name], value);
    } else {
      params[name] = value;
    }
  }
  return params;
}

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', () => {
    const body = Buffer.concat(chunks).toString('utf8');
    // The URL Twilio was given: this server is reached directly, so it is
    // the Host the request came to and the path and query as sent.
    const url = `http://${req.headers.host}${req.url}`;
    const type = (req.headers['content-type'] || '').split(';')[0].trim();
    const params = req.method === 'POST' && type === 'application/x-www-form-urlencoded' ? formParams(body) : {};
    const signature = req.headers['x-twilio-signature'];
    if (!signature || !validateRequest(authToken, signature, url, params)) {
      res.writeHead(403, { 'Content-Type': 'text/plain' });
      res.end('invalid signature');
      return;
    }
    res.writeHead(200, { 'Content-Type': 'text/xml' });
    res.end('<?xml version="1.0" encoding="UTF-8"?><Response></Response>');
  });
});

server.listen(Number(process.env.PORT || 0), '127.0.0.1', () => {
  console.log(`listening http://127.0.0.1:${server.address().port}`);
});

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => server.close(() => process.exit(0)));
}
