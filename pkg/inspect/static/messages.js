// The Messages view (smshook sandbox): each message the app sent with its
// lifecycle (the callbacks, the app's answers), and a phone view of the
// conversations by number pair with a reply box. Like the rest of the
// page it builds the DOM only through dom.js: message texts are text.
import {el, clear, kv, fmtTime, fmtLatency, replyClass} from './dom.js';

// messagesView(pane, {api, showError, onCount}) → {refresh, scheduleRefresh}.
export function messagesView(pane, {api, showError, onCount}) {
  const st = {messages: [], conv: null, selected: null, timer: 0};

  // A conversation is a provider and a number pair: the app's number and
  // the recipient's, whichever way a message went.
  const convKey = m => m.direction === 'inbound'
    ? [m.provider, m.to, m.from].join(' ') : [m.provider, m.from, m.to].join(' ');

  function conversations() {
    const byKey = new Map();
    for (const m of st.messages) {
      const key = convKey(m);
      if (!byKey.has(key)) {
        const [provider, app, peer] = m.direction === 'inbound' ? [m.provider, m.to, m.from] : [m.provider, m.from, m.to];
        byKey.set(key, {key, provider, app, peer, messages: []});
      }
      byKey.get(key).messages.push(m);
    }
    // newest activity first
    return [...byKey.values()].sort((a, b) => last(b).created_at.localeCompare(last(a).created_at));
  }
  const last = c => c.messages[c.messages.length - 1];

  async function refresh() {
    try {
      const data = await api('/api/sandbox/messages');
      st.messages = data.messages || [];
      onCount(st.messages.length);
      render();
    } catch (err) {
      showError(err);
    }
  }

  function scheduleRefresh() {
    clearTimeout(st.timer);
    st.timer = setTimeout(refresh, 100);
  }

  function render() {
    if (pane.hidden) return;
    const convs = conversations();
    if (!convs.some(c => c.key === st.conv)) st.conv = convs.length ? convs[0].key : null;
    const conv = convs.find(c => c.key === st.conv);
    if (conv && !conv.messages.some(m => m.id === st.selected)) {
      const outs = conv.messages.filter(m => m.direction === 'outbound');
      st.selected = outs.length ? outs[outs.length - 1].id : null;
    }
    // Keep what is being typed across a re-render.
    const typing = document.getElementById('reply-text');
    const draft = typing ? typing.value : '';
    const hadFocus = typing && document.activeElement === typing;
    clear(pane).append(
      el('div', {id: 'conversations', aria: {label: 'Conversations'}},
        convs.length ? convs.map(convItem) : el('p', {className: 'muted'},
          'No messages yet: send one through the sandbox (its base URLs are in its banner).')),
      el('div', {id: 'phone-col'}, conv ? phone(conv) : null, lifecycle()));
    const box = document.getElementById('reply-text');
    if (box) { box.value = draft; if (hadFocus) box.focus(); }
    const screen = document.getElementById('phone-screen');
    if (screen) screen.scrollTop = screen.scrollHeight;
  }

  function convItem(c) {
    const m = last(c);
    const item = el('button', {className: 'conv', aria: {pressed: String(c.key === st.conv)},
      title: c.provider + ' ' + c.app + ' ↔ ' + c.peer},
      el('span', {className: 'conv-peer'}, c.peer),
      el('span', {className: 'muted'}, ' ' + c.provider + ' · ' + c.app),
      el('span', {className: 'conv-last'}, m.text));
    item.addEventListener('click', () => { st.conv = c.key; st.selected = null; render(); });
    return item;
  }

  // The phone of the recipient: the app's messages come in on the left,
  // the recipient's replies go out on the right.
  function phone(c) {
    const outs = c.messages.filter(m => m.direction === 'outbound');
    const target = outs[outs.length - 1];
    const input = el('input', {id: 'reply-text', type: 'text', placeholder: target ? 'Reply as ' + c.peer : 'no message to answer',
      disabled: !target, spellcheck: false, aria: {label: 'Reply text'}});
    const send = el('button', {id: 'reply-send', type: 'submit', disabled: !target}, 'Send');
    const form = el('form', {id: 'reply-form'}, input, send);
    form.addEventListener('submit', async e => {
      e.preventDefault();
      const text = input.value;
      if (!target || !text.trim()) return;
      send.disabled = true;
      try {
        await api('/api/sandbox/messages/' + encodeURIComponent(target.id) + '/reply', {method: 'POST', body: {text}});
        input.value = '';
        showError(null);
        await refresh();
      } catch (err) {
        showError(err);
      } finally {
        send.disabled = false;
      }
    });
    return el('div', {id: 'phone', aria: {label: 'Phone of ' + c.peer}},
      el('div', {className: 'phone-head'}, el('strong', null, c.peer), el('span', {className: 'muted'}, ' ← ' + c.app + ' (' + c.provider + ')')),
      el('div', {id: 'phone-screen'}, c.messages.map(bubble)),
      form);
  }

  function bubble(m) {
    const out = m.direction === 'outbound';
    const b = el('div', {className: 'bubble ' + (out ? 'from-app' : 'from-peer') + (m.id === st.selected ? ' selected' : ''),
      dataset: {id: m.id}, title: out ? 'sent by the app: click for its callbacks' : 'the recipient\'s reply'},
      el('div', {className: 'bubble-text'}, m.text),
      el('div', {className: 'bubble-meta'}, fmtTime(m.created_at) + ' · ' + m.status + (m.error_code ? ' (' + m.error_code + ')' : '')),
      out ? el('div', {className: 'bubble-meta'}, (m.callbacks || []).map(cb =>
        el('span', {className: replyClass(cb.reply_status)}, cb.status + ' ' + (cb.reply_status || '✗') + ' '))) : null);
    b.addEventListener('click', () => { st.selected = m.id; render(); });
    return b;
  }

  function lifecycle() {
    const m = st.messages.find(x => x.id === st.selected);
    if (!m) return null;
    const rows = (m.callbacks || []).map(cb => el('tr', null,
      el('td', {className: 'mono'}, fmtTime(cb.sent_at)),
      el('td', null, cb.kind),
      el('td', null, cb.status, cb.error_code ? ' (' + cb.error_code + ')' : '', cb.final ? el('span', {className: 'flag'}, 'final') : null,
        cb.duplicate ? el('span', {className: 'flag warn'}, 'duplicate') : null),
      el('td', {className: 'url'}, cb.url),
      el('td', {className: replyClass(cb.reply_status)}, cb.reply_status ? String(cb.reply_status) : '✗ ' + (cb.reply_error || 'no answer'),
        cb.reply_body ? el('div', {className: 'muted reply-body'}, cb.reply_body) : null),
      el('td', null, fmtLatency(cb.latency_ms)),
      el('td', null, String(cb.attempts || 0)),
      el('td', null, cb.capture_id ? el('a', {href: '/?id=' + encodeURIComponent(cb.capture_id)}, 'request') : '')));
    return el('section', {id: 'msg-lifecycle', aria: {label: 'Lifecycle'}},
      el('h3', null, 'Lifecycle of ' + m.id),
      kv([['provider', m.provider], ['direction', m.direction], ['from → to', m.from + ' → ' + m.to],
        ['status', m.status + (m.final ? ' (final)' : '')], ['outcome', m.outcome ? m.outcome + (m.reason ? ' — ' + m.reason : '') : ''],
        ['chaos', (m.chaos || []).join(', ')], ['segments', m.segments + ' · ' + m.encoding],
        ['callback URL', m.callback_url], ['in reply to', m.in_reply_to], ['signed with', m.signed_with]]),
      rows.length ? el('table', {id: 'callbacks', className: 'callbacks'},
        el('thead', null, el('tr', null, ['sent', 'kind', 'status', 'to', 'app\'s answer', 'latency', 'attempts', 'captured'].map(h => el('th', null, h)))),
        el('tbody', null, rows)) : el('p', {className: 'muted'}, 'No callbacks yet.'));
  }

  return {refresh, scheduleRefresh, render};
}
