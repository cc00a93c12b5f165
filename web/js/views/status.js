// Connection banner ("Reconnecting… / Back online"; "disconnected by an administrator" with a
// Reconnect button), the connection state under the user's name, and non-blocking toasts for API
// errors.

import { $, el } from '../dom.js';

const BACK_ONLINE_MS = 2500;
const TOAST_MS = 6000;

export class StatusView {
  constructor({ onRetryNow, onReconnect }) {
    this.banner = $('#banner');
    this.text = $('#banner-text');
    this.retry = $('#banner-retry');
    this.reconnect = $('#banner-reconnect');
    this.connState = $('#conn-state');
    this.toasts = $('#toasts');
    this.tick = null;
    this.hideTimer = null;
    this.retry.addEventListener('click', onRetryNow);
    this.reconnect.addEventListener('click', onReconnect);
  }

  /** detail from Live's 'status' event. */
  connection(d) {
    clearInterval(this.tick);
    clearTimeout(this.hideTimer);
    this.connState.dataset.closeCode = d.closeCode ?? '';
    if (d.state === 'open') {
      this.connState.textContent = 'Online';
      this.connState.className = 'me-state ok';
      if (d.reconnected || !this.banner.hidden) {
        this.show('ok', 'Back online');
        this.hideTimer = setTimeout(() => { this.banner.hidden = true; }, BACK_ONLINE_MS);
      } else {
        this.banner.hidden = true;
      }
      return;
    }
    if (d.state === 'kicked') {
      // Closed with 4001: no reconnect until the user asks for it (issue #23).
      this.connState.textContent = 'Disconnected';
      this.connState.className = 'me-state warn';
      this.show('error', 'You were disconnected by an administrator.', false, true);
      return;
    }
    if (d.state === 'connecting' || d.state === 'stopped') {
      this.connState.textContent = d.state === 'stopped' ? 'Offline' : 'Connecting…';
      this.connState.className = 'me-state';
      this.banner.hidden = true;
      return;
    }
    // reconnecting
    this.connState.textContent = 'Reconnecting…';
    this.connState.className = 'me-state warn';
    const render = () => {
      const left = d.retryAt ? Math.ceil((d.retryAt - Date.now()) / 1000) : 0;
      const wait = !d.connectingNow && left >= 2 ? ` Next try in ${left} s.` : '';
      this.show('warn', `Connection lost. Reconnecting…${wait}`, !d.connectingNow && left >= 2);
    };
    render();
    if (d.retryAt) this.tick = setInterval(render, 1000);
  }

  show(kind, text, retry = false, reconnect = false) {
    this.banner.className = `banner banner-${kind}`;
    if (this.text.textContent !== text) this.text.textContent = text;
    this.retry.hidden = !retry;
    this.reconnect.hidden = !reconnect;
    this.banner.hidden = false;
  }

  /** A non-blocking message; kind 'error' | 'info'. */
  toast(message, kind = 'error') {
    const close = el('button', { class: 'icon-btn icon-btn-sm', text: '✕', attrs: { type: 'button', 'aria-label': 'Dismiss' } });
    const t = el('div', { class: `toast toast-${kind}` }, el('span', { text: message }), close);
    const remove = () => t.remove();
    close.addEventListener('click', remove);
    this.toasts.append(t);
    while (this.toasts.childElementCount > 4) this.toasts.firstElementChild.remove();
    setTimeout(remove, TOAST_MS);
  }

  reset() {
    clearInterval(this.tick);
    clearTimeout(this.hideTimer);
    this.banner.hidden = true;
    this.toasts.replaceChildren();
  }
}
