// The inspector page: a client of the JSON API (/api/...), nothing more.
// Webhook bytes reach the DOM only through dom.js (text nodes, .value).
import {el, append, clear, kv, fmtTime, fmtSize, fmtLatency, verdictMark, replyClass} from './dom.js';
import {messagesView} from './messages.js';

const token = document.querySelector('meta[name="smshook-token"]').content;
const source = document.querySelector('meta[name="smshook-source"]').content;
// The Messages view exists when the server has a message source (sandbox).
const hasMessages = document.querySelector('meta[name="smshook-messages"]').content === '1';

const $ = id => document.getElementById(id);
const rowsEl = $('rows'), detailEl = $('detail-pane'), qEl = $('q'), connEl = $('conn');

const state = {
  q: '',
  unrouted: false,
  messages: false, // the Messages view is shown
  events: [],      // summaries shown, newest first
  next: 0,         // cursor of the next older page
  current: null,   // id of the highlighted row
  open: null,      // id in the detail pane
  checked: new Set(),
  reloadTimer: 0,
};

// ---- API -----------------------------------------------------------------

async function api(path, opts = {}) {
  const headers = Object.assign({}, opts.headers || {});
  if (opts.token || opts.body !== undefined) headers['X-Smshook-Token'] = token;
  let body;
  if (opts.body !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(opts.body);
  }
  const resp = await fetch(path, {method: opts.method || 'GET', headers, body, credentials: 'same-origin'});
  const data = await resp.json().catch(() => ({error: 'not JSON (' + resp.status + ')'}));
  if (!resp.ok) throw new Error(data.error || ('HTTP ' + resp.status));
  return data;
}

function showError(err) {
  const box = $('error');
  if (!err) { box.hidden = true; return; }
  box.textContent = String(err.message || err);
  box.hidden = false;
}

// ---- URL state -----------------------------------------------------------

function readURL() {
  const p = new URLSearchParams(location.search);
  state.q = p.get('q') || '';
  state.unrouted = p.get('view') === 'unrouted';
  state.messages = hasMessages && p.get('view') === 'messages';
  state.open = p.get('id') || null;
  qEl.value = state.q;
}

function writeURL(push) {
  const p = new URLSearchParams();
  if (state.q) p.set('q', state.q);
  if (state.unrouted) p.set('view', 'unrouted');
  if (state.messages) p.set('view', 'messages');
  if (state.open && !state.messages) p.set('id', state.open);
  const url = location.pathname + (p.toString() ? '?' + p.toString() : '');
  if (push) history.pushState(null, '', url); else history.replaceState(null, '', url);
}

// ---- list ----------------------------------------------------------------

function listPath(cursor, limit) {
  const p = new URLSearchParams();
  if (state.q) p.set('q', state.q);
  if (state.unrouted) p.set('unrouted', '1');
  p.set('limit', String(limit));
  if (cursor) p.set('cursor', String(cursor));
  return '/api/events?' + p.toString();
}

// exportLinks point the export links at the current selection.
function exportLinks() {
  for (const format of ['jsonl', 'har']) {
    const p = new URLSearchParams({format});
    if (state.q) p.set('q', state.q);
    if (state.unrouted) p.set('unrouted', '1');
    $('export-' + format).href = '/api/export?' + p.toString();
  }
}

async function loadList() {
  exportLinks();
  try {
    const limit = Math.min(1000, Math.max(100, state.events.length));
    const page = await api(listPath(0, limit));
    state.events = page.events;
    state.next = page.next || 0;
    showCounts(page);
    renderList();
    showError(null);
  } catch (err) {
    showError(err);
  }
}

async function loadOlder() {
  if (!state.next) return;
  try {
    const page = await api(listPath(state.next, 100));
    state.events = state.events.concat(page.events);
    state.next = page.next || 0;
    renderList();
  } catch (err) {
    showError(err);
  }
}

function showCounts(page) {
  $('count-events').textContent = String(page.total - page.unrouted);
  $('count-unrouted').textContent = String(page.unrouted);
}

function scheduleReload() {
  clearTimeout(state.reloadTimer);
  state.reloadTimer = setTimeout(loadList, 150);
}

function cell(text, className) {
  return el('td', {className: className || '', title: text === undefined ? '' : String(text)}, text === undefined ? '' : text);
}

function renderList() {
  clear(rowsEl);
  for (const ev of state.events) {
    const check = el('input', {type: 'checkbox', checked: state.checked.has(ev.id), title: 'check two to diff',
      aria: {label: 'check for diff'}});
    check.addEventListener('click', e => {
      e.stopPropagation();
      if (check.checked) state.checked.add(ev.id); else state.checked.delete(ev.id);
      updateDiffButton();
    });
    const fromTo = (ev.from || ev.to) ? (ev.from || '?') + ' → ' + (ev.to || '?') : '';
    const tr = el('tr', {dataset: {id: ev.id}, className: ev.id === state.current ? 'current' : ''},
      el('td', {className: 'sel'}, check),
      cell(fmtTime(ev.time), 'mono'),
      cell(ev.unrouted ? ev.method + ' ' + ev.path : (ev.profile || ev.provider || '')),
      cell(ev.kind || ev.event_kind || ''),
      cell(ev.message_id || '', 'mono'),
      cell(fromTo, 'mono'),
      cell(ev.status || ''),
      el('td', null, verdictMark(ev.verdict, ev.reason)),
      cell(ev.reply_status || '', replyClass(ev.reply_status)),
      cell(fmtLatency(ev.latency_ms), 'mono'));
    tr.addEventListener('click', () => { setCurrent(ev.id); openDetail(ev.id, true); });
    rowsEl.appendChild(tr);
  }
  $('empty').hidden = state.events.length > 0;
  $('more').hidden = !state.next;
  updateDiffButton();
}

function setCurrent(id) {
  state.current = id;
  for (const tr of rowsEl.children) tr.classList.toggle('current', tr.dataset.id === id);
  const tr = [...rowsEl.children].find(r => r.dataset.id === id);
  if (tr) tr.scrollIntoView({block: 'nearest'});
}

function move(delta) {
  if (!state.events.length) return;
  let i = state.events.findIndex(e => e.id === state.current);
  i = i < 0 ? 0 : Math.max(0, Math.min(state.events.length - 1, i + delta));
  setCurrent(state.events[i].id);
}

function updateDiffButton() {
  for (const id of [...state.checked]) if (!state.events.some(e => e.id === id)) state.checked.delete(id);
  $('diff-selected').disabled = state.checked.size !== 2;
}

// ---- live stream ---------------------------------------------------------

function connect() {
  const es = new EventSource('/api/stream');
  let wasDown = false;
  es.addEventListener('hello', () => {
    connEl.dataset.state = 'live';
    connEl.textContent = 'live';
    if (wasDown) { loadList(); if (messages) messages.refresh(); } // missed events while away
  });
  es.addEventListener('event', () => scheduleReload());
  es.addEventListener('burst', () => scheduleReload());
  es.addEventListener('messages', () => { if (messages) messages.scheduleRefresh(); });
  es.onerror = () => {
    wasDown = true;
    connEl.dataset.state = 'reconnecting';
    connEl.textContent = 'reconnecting';
  };
}

// ---- detail --------------------------------------------------------------

function section(title, ...children) {
  return [el('h3', null, title), ...children];
}

function headersTable(headers) {
  if (!headers || !headers.length) return el('p', {className: 'muted'}, 'none');
  return el('table', {className: 'kv mono'}, el('tbody', null, headers.map(h =>
    el('tr', null, el('td', null, h.name), el('td', {className: h.redacted ? 'redacted' : ''}, h.value)))));
}

// bodyView shows a body in the forms it has, with a switch between them.
function bodyView(body) {
  if (!body || body.format === 'empty') return el('p', {className: 'muted'}, 'empty');
  const forms = [];
  if (body.pretty) forms.push(['JSON', () => el('pre', null, body.pretty)]);
  if (body.form) forms.push(['form', () => kv(body.form.map(f => [f.name, f.value]))]);
  if (body.text !== undefined && body.text !== null) forms.push(['text', () => el('pre', null, body.text)]);
  if (body.hex) forms.push(['hex', () => el('pre', null, body.hex)]);
  const holder = el('div');
  const buttons = forms.map(([name, render], i) => {
    const b = el('button', {aria: {pressed: i === 0}}, name);
    b.addEventListener('click', () => {
      for (const other of buttons) other.setAttribute('aria-pressed', String(other === b));
      clear(holder).appendChild(render());
    });
    return b;
  });
  if (forms.length) holder.appendChild(forms[0][1]());
  const info = [fmtSize(body.size), body.content_type || 'no content type', body.format];
  if (body.truncated) info.push('truncated: only the first bytes were kept');
  return el('div', null,
    el('div', {className: 'actions'}, el('span', {className: 'muted'}, info.join(' · ')), el('span', {className: 'seg'}, buttons)),
    holder);
}

async function openDetail(id, push) {
  state.open = id;
  writeURL(push);
  try {
    const d = await api('/api/events/' + encodeURIComponent(id));
    renderDetail(d);
  } catch (err) {
    renderMessage('Event ' + id, err);
  }
}

function closeDetail() {
  state.open = null;
  detailEl.hidden = true;
  clear(detailEl);
  writeURL(true);
}

function renderMessage(title, err) {
  clear(detailEl);
  detailEl.hidden = false;
  append(detailEl, [el('h2', null, title), el('p', {className: 'error'}, String(err.message || err))]);
}

function renderDetail(d) {
  clear(detailEl);
  detailEl.hidden = false;
  const actions = el('div', {className: 'actions'});
  const panel = el('div');
  const close = el('button', {title: 'Esc'}, 'Close');
  close.addEventListener('click', closeDetail);
  const lifecycle = el('button', {id: 'act-lifecycle'}, d.event_kind === 'inbound' ? 'Conversation' : 'Lifecycle');
  lifecycle.addEventListener('click', () => showLifecycle(d.id));
  const curl = el('button', {id: 'act-curl'}, 'Copy as curl');
  curl.hidden = !d.curl;
  curl.addEventListener('click', () => copyText(d.curl, curl));
  const replay = el('button', {id: 'act-replay'}, 'Replay…');
  replay.addEventListener('click', () => { clear(panel).appendChild(replayPanel(d)); });
  const edit = el('button', {id: 'act-edit'}, 'Edit and send…');
  edit.addEventListener('click', () => { clear(panel).appendChild(editPanel(d)); });
  const raw = el('a', {className: 'button', href: '/api/events/' + encodeURIComponent(d.id) + '/raw', download: 'body.bin'}, 'Raw body');
  append(actions, [close, lifecycle, curl, replay, edit, raw]);
  if (d.redactions) {
    const reveal = el('button', {id: 'act-reveal'}, 'Reveal credentials');
    reveal.addEventListener('click', async () => {
      try {
        renderDetail(await api('/api/events/' + encodeURIComponent(d.id) + '?reveal=1', {token: true}));
      } catch (err) { showError(err); }
    });
    actions.appendChild(reveal);
  }

  const v = d.verification || {};
  const ev = d.event;
  append(detailEl, [
    el('h2', {className: 'mono', id: 'request-line'}, d.method + ' ' + d.url),
    actions,
    panel,
    kv([
      ['id', d.id], ['received', d.time], ['profile', d.profile], ['provider', d.provider], ['kind', d.kind],
      ['sender address', d.remote_addr], ['public URL', d.public_url],
    ]),
    section('Verdict', el('p', {id: 'verdict'}, verdictMark(d.verdict, d.reason), ' ', el('span', {className: 'muted'}, v.message || '')),
      d.scheme ? el('p', {className: 'muted', id: 'scheme'}, 'auth: ' + d.scheme) : null,
      diagnosisView(v.diagnosis)),
    section('Headers' + (d.revealed ? ' (credentials shown)' : ''), headersTable(d.headers)),
    section('Body', bodyView(d.body)),
    ev ? section('Normalized event', kv([
      ['kind', ev.kind], ['event', ev.event], ['message id', ev.message_id], ['from', ev.from], ['to', ev.to],
      ['status', ev.status + (ev.raw_status ? ' (' + ev.raw_status + ')' : '')], ['text', ev.text],
      ['channel', ev.channel], ['timestamp', ev.timestamp], ['price', ev.price]])) : null,
    d.decode_error ? section('Decode error', el('p', {className: 'bad'}, d.decode_error)) : null,
    section('Reply', el('p', {className: replyClass(d.reply.status)}, String(d.reply.status || 'none')),
      headersTable(d.reply.headers), bodyView(d.reply.body)),
    d.forward ? section('Forwarded', kv([
      ['to', d.forward.url], ['status', String(d.forward.status || 'no answer')], ['error', d.forward.error],
      ['took', fmtLatency(d.forward.duration_ms)]])) : null,
    d.curl ? section('curl', el('pre', {id: 'curl'}, d.curl)) : null,
  ]);
}

async function copyText(text, button) {
  try {
    await navigator.clipboard.writeText(text);
    button.textContent = 'Copied';
  } catch {
    button.textContent = 'Copy failed: select the curl text below';
  }
  setTimeout(() => { button.textContent = 'Copy as curl'; }, 1500);
}

function resultView(res) {
  const out = [el('h3', null, 'Sent')];
  out.push(el('p', {className: 'mono'}, res.request.method + ' ' + res.request.url + (res.resigned ? '  (re-signed)' : '  (as captured)')));
  out.push(headersTable(res.request.headers));
  out.push(el('h3', null, 'Reply'));
  if (res.error) out.push(el('p', {className: 'bad', id: 'send-error'}, res.error));
  if (res.status) {
    out.push(el('p', {className: replyClass(res.status), id: 'send-status'}, String(res.status) + '  in ' + fmtLatency(res.duration_ms)));
    out.push(headersTable(res.headers));
    out.push(bodyView(res.body));
  }
  return el('div', {className: 'result'}, out);
}

function replayPanel(d) {
  const url = el('input', {type: 'text', id: 'replay-url', placeholder: 'the forward target (or this listener)', spellcheck: false});
  const resign = el('input', {type: 'checkbox', id: 'replay-resign', checked: d.can_resign, disabled: !d.can_resign});
  const go = el('button', {id: 'replay-send'}, 'Replay');
  const out = el('div');
  go.addEventListener('click', async () => {
    go.disabled = true;
    try {
      const res = await api('/api/events/' + encodeURIComponent(d.id) + '/replay', {method: 'POST',
        body: {url: url.value.trim(), as_captured: !resign.checked}});
      clear(out).appendChild(resultView(res));
      showError(null);
    } catch (err) { showError(err); } finally { go.disabled = false; }
  });
  return el('div', {className: 'panel'},
    el('label', null, 'URL (a URL with no path keeps the captured path)', url),
    el('label', null, resign, d.can_resign ? ' re-sign with the profile\'s credentials' : ' re-sign (no credentials for this provider: sent as captured)'),
    go, out);
}

function editPanel(d) {
  const method = el('input', {type: 'text', id: 'edit-method', value: d.method});
  const url = el('input', {type: 'text', id: 'edit-url', value: d.url, spellcheck: false});
  const headers = el('textarea', {id: 'edit-headers', spellcheck: false, rows: 6});
  headers.value = (d.headers || []).filter(h => !/^(host|content-length)$/i.test(h.name)).map(h => h.name + ': ' + h.value).join('\n');
  const text = d.body && d.body.format !== 'binary';
  const body = el('textarea', {id: 'edit-body', spellcheck: false, rows: 10, disabled: !text});
  body.value = text && d.body.text ? d.body.text : '';
  const resign = el('input', {type: 'checkbox', id: 'edit-resign', checked: d.can_resign, disabled: !d.can_resign});
  const go = el('button', {id: 'edit-send'}, 'Send');
  const out = el('div');
  go.addEventListener('click', async () => {
    const hs = [];
    for (const line of headers.value.split('\n')) {
      const i = line.indexOf(':');
      if (i > 0) hs.push({name: line.slice(0, i).trim(), value: line.slice(i + 1).trim()});
    }
    go.disabled = true;
    try {
      const res = await api('/api/send', {method: 'POST', body: {
        method: method.value.trim(), url: url.value.trim(), headers: hs, body: body.value,
        resign: resign.checked, provider: d.provider || '', profile: d.profile || '', from: d.id}});
      clear(out).appendChild(resultView(res));
      showError(null);
    } catch (err) { showError(err); } finally { go.disabled = false; }
  });
  return el('div', {className: 'panel'},
    el('label', null, 'Method', method),
    el('label', null, 'URL', url),
    el('label', null, 'Headers (Name: value, one a line; a hidden credential is sent as captured)', headers),
    el('label', null, text ? 'Body (sent byte for byte as typed)' : 'Body (binary: replay it instead)', body),
    el('label', null, resign, d.can_resign ? ' re-sign with the profile\'s credentials' : ' re-sign (no credentials for this provider)'),
    go, out);
}

async function showLifecycle(id) {
  try {
    const lc = await api('/api/events/' + encodeURIComponent(id) + '/lifecycle');
    clear(detailEl);
    detailEl.hidden = false;
    const back = el('button', null, 'Back to the event');
    back.addEventListener('click', () => openDetail(id, false));
    const list = el('ol', {className: 'timeline', id: 'timeline'}, lc.steps.map(s => {
      const li = el('li', {dataset: {id: s.id}},
        el('span', {className: 'mono'}, fmtTime(s.time)), '  ',
        el('strong', null, s.status || s.kind || '?'), s.raw_status ? ' (' + s.raw_status + ')' : '', '  ',
        lc.conversation ? el('span', {className: 'mono'}, (s.from || '?') + ' → ' + (s.to || '?') + '  ') : null,
        verdictMark(s.verdict, s.reason),
        s.duplicate ? el('span', {className: 'flag warn'}, 'duplicate') : null,
        s.out_of_order ? el('span', {className: 'flag bad'}, 'out of order') : null,
        s.id === id ? el('span', {className: 'flag'}, 'this event') : null);
      li.addEventListener('click', () => { setCurrent(s.id); openDetail(s.id, true); });
      return li;
    }));
    append(detailEl, [
      lc.conversation
        ? el('h2', null, 'Conversation ', el('span', {className: 'mono'}, lc.conversation[0] + ' ⇄ ' + lc.conversation[1]), ' · ', lc.provider || '')
        : el('h2', null, 'Lifecycle of ', el('span', {className: 'mono'}, lc.message_id || '(no message id)'), ' · ', lc.provider || ''),
      el('div', {className: 'actions'}, back),
      el('p', {className: 'muted'}, lc.steps.length + ' callback' + (lc.steps.length === 1 ? '' : 's') + ' in the order they arrived'),
      list]);
  } catch (err) { showError(err); }
}

function changesTable(changes, id) {
  if (!changes || !changes.length) return el('p', {className: 'muted'}, 'none');
  return el('table', {className: 'kv mono', id}, el('tbody', null, changes.map(c =>
    el('tr', {className: 'op-' + c.op}, el('td', null, c.op === 'same' ? ' ' : c.op === 'added' ? '+' : c.op === 'removed' ? '−' : '≠'),
      el('td', null, c.key), el('td', null, c.a), el('td', null, c.b)))));
}

async function showDiff(a, b) {
  try {
    const d = await api('/api/diff?a=' + encodeURIComponent(a) + '&b=' + encodeURIComponent(b));
    clear(detailEl);
    detailEl.hidden = false;
    const onlyChanges = el('input', {type: 'checkbox', checked: true, id: 'diff-only'});
    const holder = el('div');
    const render = () => {
      const f = xs => onlyChanges.checked && xs ? xs.filter(c => c.op !== 'same') : xs;
      clear(holder);
      append(holder, [
        section('Headers', changesTable(f(d.headers), 'diff-headers')),
        d.fields ? section('JSON fields', changesTable(f(d.fields), 'diff-fields')) : el('p', {className: 'muted'}, 'The bodies are not both JSON: see the bytes.'),
        section('Bytes', el('p', {id: 'diff-bytes'}, d.bytes.equal ? 'identical (' + d.bytes.a_size + ' bytes)' :
          d.bytes.a_size + ' vs ' + d.bytes.b_size + ' bytes; first difference at byte ' + d.bytes.first_difference)),
      ]);
    };
    onlyChanges.addEventListener('change', render);
    render();
    append(detailEl, [
      el('h2', null, 'Diff ', el('span', {className: 'mono'}, a), ' → ', el('span', {className: 'mono'}, b)),
      el('label', null, onlyChanges, ' only what differs'),
      holder]);
  } catch (err) { showError(err); }
}

// ---- wiring --------------------------------------------------------------

// pressTabs shows which view is on, and its panes.
function pressTabs() {
  $('tab-events').setAttribute('aria-pressed', String(!state.unrouted && !state.messages));
  $('tab-unrouted').setAttribute('aria-pressed', String(state.unrouted && !state.messages));
  $('tab-messages').setAttribute('aria-pressed', String(state.messages));
  $('list-pane').hidden = state.messages;
  $('messages-pane').hidden = !state.messages;
  if (state.messages) detailEl.hidden = true;
}

function showMessages() {
  state.messages = true;
  pressTabs();
  writeURL(true);
  messages.refresh();
}

function setView(unrouted) {
  state.unrouted = unrouted;
  state.messages = false;
  pressTabs();
  state.events = [];
  writeURL(true);
  loadList();
}

qEl.addEventListener('keydown', e => {
  if (e.key === 'Enter') {
    state.q = qEl.value.trim();
    state.events = [];
    writeURL(true);
    loadList();
    qEl.blur();
  } else if (e.key === 'Escape') {
    qEl.blur();
  }
});

document.addEventListener('keydown', e => {
  const typing = e.target instanceof HTMLInputElement || e.target instanceof HTMLTextAreaElement;
  if (typing || e.ctrlKey || e.metaKey || e.altKey || state.messages) return;
  switch (e.key) {
    case 'j': move(1); break;
    case 'k': move(-1); break;
    case '/': e.preventDefault(); qEl.focus(); qEl.select(); break;
    case 'Enter': if (state.current) openDetail(state.current, true); break;
    case 'Escape': if (!detailEl.hidden) closeDetail(); break;
    default: return;
  }
});

$('tab-events').addEventListener('click', () => setView(false));
$('tab-unrouted').addEventListener('click', () => setView(true));
$('more').addEventListener('click', loadOlder);
$('diff-selected').addEventListener('click', () => {
  const [a, b] = state.events.filter(e => state.checked.has(e.id)).map(e => e.id).reverse(); // older first
  if (a && b) showDiff(a, b);
});
window.addEventListener('popstate', () => {
  readURL();
  if (state.messages) { showMessages(); return; }
  setView(state.unrouted);
  if (state.open) openDetail(state.open, false); else { detailEl.hidden = true; clear(detailEl); }
});

const messages = hasMessages ? messagesView($('messages-pane'), {
  api, showError, onCount: n => { $('count-messages').textContent = String(n); },
}) : null;
if (messages) {
  $('tab-messages').hidden = false;
  $('tab-messages').addEventListener('click', showMessages);
}

$('source').textContent = source;
readURL();
pressTabs();
if (messages) messages.refresh();
loadList().then(() => { if (state.open) { setCurrent(state.open); openDetail(state.open, false); } });
connect();

// diagnosisView shows why a signature failed (or that it held only for the
// URL rebuilt from forwarded headers): the cause, the URL it matched, and
// every check tried, so that what was ruled out is visible too.
function diagnosisView(x) {
  if (!x) return null;
  const checks = x.checks || [];
  return el('div', {id: 'diagnosis'},
    kv([['cause', x.cause ? x.cause.replace(/_/g, ' ') : 'none found'], ['matched URL', x.url]]),
    checks.length ? el('table', {className: 'kv', id: 'checks'}, el('tbody', null,
      checks.map(c => el('tr', null, el('td', null, c.match ? '✓' : '–'), el('td', null, c.check), el('td', {className: 'mono'}, c.tried))))) : null);
}
