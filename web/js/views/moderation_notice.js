// What moderation looks like to the user (issue #23, docs/protocol.md §1.1): the notice above the
// message box while a moderator's mute refuses what they write (error `muted`, with `until`), the
// screen shown after a ban closed the connection (4003), and the texts of both, also for the sign-in
// form's 403 `banned`. The texts are plain functions (tested without a browser).

import { $ } from '../dom.js';

const MAX_TIMER = 2 ** 31 - 1; // setTimeout's limit (~24.8 days)

/** `until` (unix ms) in local time: the time alone today, with the date otherwise. */
export function formatUntil(until, now = Date.now()) {
  const d = new Date(Number(until));
  const sameDay = d.toDateString() === new Date(now).toDateString();
  return sameDay
    ? d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })
    : d.toLocaleString([], { dateStyle: 'medium', timeStyle: 'short' });
}

const hasEnd = (until) => until !== null && until !== undefined && Number.isFinite(Number(until));

/** The notice for a refusal `muted`; `until` null/absent = until a moderator lifts it. */
export function mutedText(until, now = Date.now()) {
  return hasEnd(until) ? `You are muted until ${formatUntil(until, now)}.` : 'You are muted until a moderator lifts it.';
}

/** The sign-in form's text for 403 {"error":"banned","reason","until"}. */
export function bannedText({ reason, until } = {}, now = Date.now()) {
  const why = typeof reason === 'string' && reason.trim() !== '' ? `: ${reason.trim()}` : '';
  const end = hasEnd(until) ? `until ${formatUntil(until, now)}` : 'until lifted';
  return `This account is banned${why} (${end}).`;
}

/**
 * The notice above the room's message box while the user is muted. Shown by a `muted` refusal (of a
 * message, reply, edit or reaction), for the room open then; gone at `until`, on a room switch, or
 * once one of the user's own messages comes in (the mute was lifted).
 */
export class MuteNotice {
  constructor({ store, live }) {
    this.store = store;
    this.box = $('#mute-notice');
    this.roomId = null;
    this.timer = null;
    store.addEventListener('change', (e) => {
      if (e.detail.has('active') && (!store.me || store.activeRoomId !== this.roomId)) this.hide(); // signed out, other room
    });
    live.addEventListener('event', (e) => {
      const { type, data } = e.detail;
      if (type === 'error' && data?.code === 'muted') this.show(data.until);
      else if (type === 'message' && this.roomId !== null && String(data?.from) === String(this.store.me?.id)
        && String(data?.roomId) === this.roomId) this.hide();
    });
  }

  /** Shows the notice for the open room; `until` unix ms or null (until lifted). */
  show(until) {
    clearTimeout(this.timer);
    this.roomId = this.store.activeRoomId;
    this.box.textContent = mutedText(until);
    this.box.dataset.until = hasEnd(until) ? String(Number(until)) : '';
    this.box.hidden = false;
    if (hasEnd(until)) {
      const left = Number(until) - Date.now();
      if (left <= 0) this.hide();
      else if (left < MAX_TIMER) this.timer = setTimeout(() => this.hide(), left);
    }
  }

  hide() {
    clearTimeout(this.timer);
    this.roomId = null;
    this.box.hidden = true;
    this.box.textContent = '';
  }
}

/** The screen after a ban closed the connection: no retry; "Back to sign in" signs out. */
export class BannedView {
  /** onSignIn(): called after this screen is hidden (show the sign-in form). */
  constructor({ onSignIn }) {
    this.view = $('#banned-view');
    $('#banned-signin').addEventListener('click', () => { this.hide(); onSignIn(); });
  }

  show() {
    $('#login-view').hidden = true;
    this.view.hidden = false;
    $('#banned-signin').focus();
  }

  hide() { this.view.hidden = true; }
}
