// The HTML door of the page: every webhook byte becomes a text node.
// Nothing here, or anywhere in the page, parses markup from a string (no
// inner or outer HTML, no adjacent HTML): el() builds elements from a tag, safe properties and
// children, and strings become createTextNode.

const allowedProps = new Set(['className', 'id', 'type', 'title', 'value', 'placeholder',
  'disabled', 'checked', 'hidden', 'href', 'download', 'rows', 'spellcheck', 'name', 'htmlFor']);

// el('td', {className: 'x', dataset: {id}}, 'text', child, ...) → element.
export function el(tag, props, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (key === 'dataset') {
      for (const [k, v] of Object.entries(value)) node.dataset[k] = String(v);
    } else if (key === 'aria') {
      for (const [k, v] of Object.entries(value)) node.setAttribute('aria-' + k, String(v));
    } else if (key.startsWith('on') && typeof value === 'function') {
      node.addEventListener(key.slice(2), value);
    } else if (allowedProps.has(key)) {
      if (key === 'href' && !/^\/(?!\/)/.test(String(value))) continue; // same-origin paths only (not //host)
      node[key] = value;
    } else {
      throw new Error('el: property not allowed: ' + key);
    }
  }
  append(node, children);
  return node;
}

export function append(node, children) {
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.appendChild(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

export function clear(node) {
  while (node.firstChild) node.removeChild(node.firstChild);
  return node;
}

// A key/value table; values are text or nodes.
export function kv(rows) {
  return el('table', {className: 'kv'},
    el('tbody', null, rows.filter(r => r && r[1] !== undefined && r[1] !== null && r[1] !== '')
      .map(([k, v]) => el('tr', null, el('td', null, k), el('td', null, v)))));
}

export function fmtTime(iso) {
  const d = new Date(iso);
  if (isNaN(d)) return String(iso);
  const pad = (n, w = 2) => String(n).padStart(w, '0');
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

export function fmtSize(n) {
  if (n < 1024) return n + ' B';
  if (n < 1024 * 1024) return (n / 1024).toFixed(1) + ' KiB';
  return (n / 1024 / 1024).toFixed(1) + ' MiB';
}

export function fmtLatency(ms) {
  if (ms === undefined || ms === null) return '';
  if (ms < 1) return (ms * 1000).toFixed(0) + 'µs';
  if (ms < 1000) return ms.toFixed(1) + 'ms';
  return (ms / 1000).toFixed(2) + 's';
}

export function verdictMark(verdict, reason) {
  switch (verdict) {
    case 'verified': return el('span', {className: 'ok'}, '✓ verified');
    case 'unchecked': return el('span', {className: 'warn'}, '– not checked');
    default: return el('span', {className: 'bad'}, '✗ ' + (reason || 'invalid'));
  }
}

export function replyClass(status) {
  if (status >= 200 && status < 300) return 'ok';
  if (status >= 400) return 'bad';
  return 'warn';
}
