// Formatting helpers: times in the user's local time zone, names, counts.

const timeFmt = new Intl.DateTimeFormat(undefined, { hour: 'numeric', minute: '2-digit' });
const fullFmt = new Intl.DateTimeFormat(undefined, { dateStyle: 'full', timeStyle: 'medium' });
const dayFmt = new Intl.DateTimeFormat(undefined, { weekday: 'long', month: 'long', day: 'numeric' });
const dayYearFmt = new Intl.DateTimeFormat(undefined, { year: 'numeric', month: 'long', day: 'numeric' });

/** Message `date` is unix seconds (server clock). */
export const toDate = (unixSeconds) => new Date(Number(unixSeconds) * 1000);
export const shortTime = (d) => timeFmt.format(d);
export const fullTime = (d) => fullFmt.format(d);
export const dayKey = (d) => `${d.getFullYear()}-${d.getMonth() + 1}-${d.getDate()}`;

export function dayLabel(d, now = new Date()) {
  const today = dayKey(now);
  const y = new Date(now);
  y.setDate(now.getDate() - 1);
  const k = dayKey(d);
  if (k === today) return 'Today';
  if (k === dayKey(y)) return 'Yesterday';
  return d.getFullYear() === now.getFullYear() ? dayFmt.format(d) : dayYearFmt.format(d);
}

/** "Mary is typing…", "Mary and Joe are typing…", "3 people are typing…" */
export function typingText(names) {
  if (names.length === 0) return '';
  if (names.length === 1) return `${names[0]} is typing…`;
  if (names.length === 2) return `${names[0]} and ${names[1]} are typing…`;
  return `${names.length} people are typing…`;
}

export function initials(name) {
  const s = String(name || '?').replace(/[^\p{L}\p{N}]/gu, '');
  return (s.slice(0, 1) || '?').toUpperCase();
}

/** A stable hue class (0–7) per user id, for avatars. */
export function hueClass(id) {
  let h = 0;
  for (const ch of String(id)) h = (h * 31 + ch.codePointAt(0)) >>> 0;
  return `hue-${h % 8}`;
}

/** Length in code points (what the server counts). */
export const charCount = (s) => {
  let n = 0;
  for (const _ of s) n += 1; // eslint-disable-line no-unused-vars
  return n;
};

export const badgeText = (n, more) => (more ? `${n}+` : String(n));
