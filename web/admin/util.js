// Shared helpers of the admin page: DOM building (textContent only: CSP, no HTML injection), JSON
// requests and time formatting.
export const $ = (id) => document.getElementById(id);

/** A new element with class `cls` and text `text` (both optional) and `children`. */
export function el(tag, cls, text, ...children) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined && text !== null) e.textContent = text;
  e.append(...children);
  return e;
}

/** Sets a node's text only when it changed (no needless layout work on a live refresh). */
export function setText(node, text) {
  const t = String(text);
  if (node.textContent !== t) node.textContent = t;
}

/** A JSON request with the session cookie → {ok, status, data} (status 0: no answer). */
export async function request(method, url, body) {
  try {
    const res = await fetch(url, {
      method,
      credentials: 'same-origin',
      cache: 'no-store',
      headers: body !== undefined ? { 'Content-Type': 'application/json' } : {},
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
    const data = await res.json().catch(() => null);
    return { ok: res.ok, status: res.status, data };
  } catch {
    return { ok: false, status: 0, data: null };
  }
}

/** An error answer as text for a result line. */
export function errorText(r) {
  if (r.status === 0) return 'Request failed (no answer).';
  return r.data?.message || `HTTP ${r.status}`;
}

export function fmt(n) { return Number.isFinite(n) ? n.toLocaleString('en-US') : '–'; }

/** A unix-ms time as "just now", "5 min ago", "3 h ago" or a date ("–" when null). */
export function fmtAgo(ms, now = Date.now()) {
  if (ms === null || ms === undefined) return '–';
  const s = Math.max(0, Math.round((now - ms) / 1000));
  if (s < 45) return 'just now';
  if (s < 3600) return `${Math.round(s / 60)} min ago`;
  if (s < 86400) return `${Math.round(s / 3600)} h ago`;
  return new Date(ms).toLocaleDateString();
}

/** An end of a ban or mute: "until lifted" or "until <date time>". */
export function fmtUntil(ms) {
  return ms === null || ms === undefined ? 'until lifted' : `until ${new Date(ms).toLocaleString()}`;
}

/**
 * An action runner for a table: act(method, url, body, okText) sends the request, writes "Working…",
 * then okText(answer data) or the error on the `result` line, calls `changed()` (a refresh) and
 * resolves to whether it succeeded.
 */
export function actionRunner(result, changed) {
  return async (method, url, body, okText) => {
    showResult(result, true, 'Working…');
    const r = await request(method, url, body);
    if (!r.ok) showResult(result, false, errorText(r));
    else showResult(result, true, okText(r.data));
    changed();
    return r.ok;
  };
}

/** Writes a result line: `ok` true (green) or false (red). */
export function showResult(node, ok, text) {
  node.className = `action-result ${ok ? 'ok' : 'err'}`;
  node.textContent = text;
}
