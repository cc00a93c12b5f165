// Files, images and locations in messages (issue #24): the pure rules, no DOM (tested in node).
// Sizes for people, the fitted box of an image preview, what an attachment is, the OpenStreetMap
// link of a location, and the sentences for a refused upload or a failed position lookup.

/** The server's default upload limit (`--max-upload-bytes`); the server decides, this only spares a useless upload. */
export const MAX_UPLOAD_BYTES = 10 * 1024 * 1024;
/** Files one message may carry (the server refuses more). */
export const MAX_ATTACHMENTS = 10;

const UNITS = ['KB', 'MB', 'GB', 'TB'];

/** 0 → "0 B", 1536 → "1.5 KB", 10485760 → "10 MB" (1 KB = 1024 B; one decimal below 10, else none). */
export function formatSize(bytes) {
  let n = Number(bytes);
  if (!Number.isFinite(n) || n < 0) return '';
  if (n < 1024) return `${Math.round(n)} B`;
  let u = -1;
  do { n /= 1024; u += 1; } while (n >= 1024 && u < UNITS.length - 1);
  const s = n < 10 ? String(Math.round(n * 10) / 10) : String(Math.round(n));
  // 1023.9 KB rounds to "1024 KB": say "1 MB" instead.
  if (s === '1024' && u < UNITS.length - 1) return `1 ${UNITS[u + 1]}`;
  return `${s} ${UNITS[u]}`;
}

/** Whether attachment `a` ({type}) is shown as an image (the server's detected type). */
export const isImage = (a) => typeof a?.type === 'string' && a.type.startsWith('image/');

/**
 * The box an image preview takes: its width × height scaled down (never up) to fit maxW × maxH,
 * in whole pixels (at least 1). Null without usable dimensions.
 */
export function fitBox(width, height, maxW = 360, maxH = 320) {
  const w = Number(width);
  const h = Number(height);
  if (!(w > 0) || !(h > 0) || !Number.isFinite(w) || !Number.isFinite(h)) return null;
  const k = Math.min(1, maxW / w, maxH / h);
  return { width: Math.max(1, Math.round(w * k)), height: Math.max(1, Math.round(h * k)) };
}

/** The attachments of message `m` that look usable (an id and a url), or []. */
export function attachmentsOf(m) {
  const list = Array.isArray(m?.attachments) ? m.attachments : [];
  return list.filter((a) => a && typeof a === 'object' && a.id !== undefined && typeof a.url === 'string');
}

/** The location of message `m` when its coordinates are numbers in range, else null. */
export function locationOf(m) {
  const l = m?.location;
  if (!l || typeof l !== 'object') return null;
  const lat = Number(l.lat);
  const lon = Number(l.lon);
  if (!Number.isFinite(lat) || !Number.isFinite(lon) || Math.abs(lat) > 90 || Math.abs(lon) > 180) return null;
  const out = { lat, lon };
  const acc = Number(l.accuracy);
  if (l.accuracy !== undefined && l.accuracy !== null && Number.isFinite(acc) && acc >= 0) out.accuracy = acc;
  if (typeof l.label === 'string' && l.label.trim() !== '') out.label = l.label;
  return out;
}

/** A coordinate with 5 decimals (about a metre), "-0.00000" as "0.00000". */
export function coord(x) {
  const s = Number(x).toFixed(5);
  return /^-0\.0+$/.test(s) ? s.slice(1) : s;
}

/** "48.85837, 2.29448" */
export const coordsText = (l) => `${coord(l.lat)}, ${coord(l.lon)}`;

/** "± 25 m" (rounded, grouped digits), "" without an accuracy. */
export function accuracyText(accuracy) {
  const a = Number(accuracy);
  if (accuracy === undefined || accuracy === null || !Number.isFinite(a) || a < 0) return '';
  return `± ${Math.round(a).toLocaleString('en-US')} m`;
}

/** The OpenStreetMap page with a marker at the location, zoom 16. */
export function osmLink(lat, lon) {
  const a = coord(lat);
  const b = coord(lon);
  return `https://www.openstreetmap.org/?mlat=${a}&mlon=${b}#map=16/${a}/${b}`;
}

/** The location to send from a GeolocationPosition: {lat, lon, accuracy} (accuracy rounded to 0.1 m). */
export function locationFromPosition(pos) {
  const c = pos?.coords ?? {};
  const out = { lat: Number(c.latitude), lon: Number(c.longitude) };
  const acc = Number(c.accuracy);
  if (Number.isFinite(acc) && acc >= 0) out.accuracy = Math.round(acc * 10) / 10;
  return out;
}

/** Why the position could not be found: GeolocationPositionError codes 1–3, or null (no API). */
export function geoErrorText(err) {
  switch (err?.code) {
    case 1: return 'Location access was denied. Allow it for this site in the browser to share your location.';
    case 2: return 'Your location is not available right now (no position found).';
    case 3: return 'Finding your location took too long. Try again.';
    default: return 'This browser cannot share a location here (it needs a secure connection and location support).';
  }
}

/**
 * The sentence for a refused or failed upload: HTTP `status` (0: network), the server's error
 * `code` and `message`, `retryAfter` seconds (429). `maxBytes`: the known limit for a 413 (the
 * server's message is read for its number of bytes first).
 */
export function uploadErrorText({ status, code, message, retryAfter } = {}, maxBytes = MAX_UPLOAD_BYTES) {
  if (status === 413 || code === 'payload_too_large') {
    const m = /(\d{4,})\s*(?:bytes|B)\b/.exec(String(message ?? ''));
    return `File too large (max ${formatSize(m ? Number(m[1]) : maxBytes)})`;
  }
  if (status === 429 || code === 'quota_exceeded') {
    const wait = Number(retryAfter) > 0 ? ` Try again ${waitText(Number(retryAfter))}.` : '';
    return `Upload quota reached for today.${wait}`;
  }
  if (status === 503 || code === 'busy' || code === 'unavailable') return 'Server busy, try again in a moment';
  if (code === 'timeout') return 'No answer from the server: try again';
  if (status === 0 || code === 'network') return 'Network error: the upload did not reach the server';
  if (status === 401) return 'Your session has ended: sign in again';
  if (code === 'archived') return 'This channel is archived';
  if (status === 403) return 'You cannot upload files to this room';
  if (status === 404) return 'This room no longer exists';
  if (status === 400) return message ? `Refused: ${message}` : 'The server refused this file';
  return message || `Upload failed (HTTP ${status})`;
}

function waitText(s) {
  if (s < 90) return `in ${Math.ceil(s)} s`;
  if (s < 90 * 60) return `in ${Math.round(s / 60)} min`;
  return `in ${Math.round(s / 3600)} h`;
}

/** What a refused file is before any upload: too large or empty (null: worth uploading). */
export function precheckText(size, maxBytes = MAX_UPLOAD_BYTES) {
  if (size > maxBytes) return uploadErrorText({ status: 413 }, maxBytes);
  if (size === 0) return 'Empty file: nothing to upload';
  return null;
}

/** A short text for a message's files and location (previews, notifications): "📎 a.png, b.pdf", "📍 Location". */
export function attachmentSummary(m) {
  const parts = [];
  const files = attachmentsOf(m);
  if (files.length) parts.push(`📎 ${files.map((a) => String(a.name ?? 'file')).join(', ')}`);
  if (locationOf(m)) parts.push(`📍 ${locationOf(m).label ?? 'Location'}`);
  return parts.join(' · ');
}

/** The signature of a message's files and location (a row is rebuilt when it changes). */
export function attachmentSig(m) {
  const l = locationOf(m);
  return `${attachmentsOf(m).map((a) => `${a.id}:${a.url}:${a.width ?? ''}x${a.height ?? ''}`).join(',')}|${l ? `${l.lat},${l.lon},${l.accuracy ?? ''},${l.label ?? ''}` : ''}`;
}

/** A name for a pasted image without a useful one: "pasted-image-20261207-021530.png". */
export function pastedName(name, type, now = new Date()) {
  if (name && name !== 'image.png' && name !== 'blob') return name;
  const p = (n) => String(n).padStart(2, '0');
  const ext = { 'image/png': 'png', 'image/jpeg': 'jpg', 'image/gif': 'gif', 'image/webp': 'webp' }[type] ?? 'png';
  return `pasted-image-${now.getFullYear()}${p(now.getMonth() + 1)}${p(now.getDate())}-${p(now.getHours())}${p(now.getMinutes())}${p(now.getSeconds())}.${ext}`;
}
