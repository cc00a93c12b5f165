// A paged admin table kept live (GET /admin/users, /admin/rooms): rows keyed by id are updated in
// place on every refresh (no flicker; scroll, focus and open controls stay), a search box restarts it
// from the first page, "Load more" appends the next page, and a refresh re-reads as many rows as are
// shown (in pages of at most 100, a bounded number of them).
import { request } from './util.js';

const MAX_REFRESH_PAGES = 10;

export class LiveTable {
  /**
   * @param {object} o url (the route), list (the answer's array member), tbody, more (button), empty
   *   (shown when there are no rows), search (input), create(row) → tr, update(tr, row),
   *   onDenied(status) for 401/403, onError(text).
   */
  constructor(o) {
    Object.assign(this, o);
    this.rows = new Map(); // id → tr
    this.next = null;
    this.q = '';
    this.generation = 0; // bumped by a search: answers of an older generation are dropped
    this.busy = false;
    let timer = null;
    this.search.addEventListener('input', () => {
      clearTimeout(timer);
      timer = setTimeout(() => this.reset(), 250);
    });
    this.more.addEventListener('click', () => this.loadMore());
  }

  query(after, limit) {
    const p = new URLSearchParams();
    if (this.q) p.set('q', this.q);
    if (after) p.set('after', after);
    p.set('limit', String(limit));
    return `${this.url}?${p}`;
  }

  async page(after, limit) {
    const r = await request('GET', this.query(after, limit));
    if (r.status === 401 || r.status === 403) { this.onDenied(r.status); return null; }
    if (!r.ok) { this.onError?.(r); return null; }
    return r.data;
  }

  /** Starts over with the search box's text. */
  async reset() {
    this.q = this.search.value.trim();
    const gen = ++this.generation;
    const data = await this.page(null, 50);
    if (!data || gen !== this.generation) return;
    this.render(data[this.list], data.next);
  }

  async loadMore() {
    if (!this.next) return;
    if (this.busy) { setTimeout(() => this.loadMore(), 200); return; } // after the refresh in flight
    this.busy = true;
    const gen = this.generation;
    try {
      const data = await this.page(this.next, 50);
      if (!data || gen !== this.generation) return;
      const known = [...this.rows.values()].map((tr) => tr.row);
      const seen = new Set(known.map((r) => r.id));
      this.render([...known, ...data[this.list].filter((r) => !seen.has(r.id))], data.next);
    } finally {
      this.busy = false;
    }
  }

  /** Re-reads the rows shown (at least one page) and updates them in place. */
  async refresh() {
    if (this.busy) return;
    this.busy = true;
    const gen = this.generation;
    try {
      const want = Math.max(50, this.rows.size);
      const out = [];
      let after = null;
      let next = null;
      for (let i = 0; i < MAX_REFRESH_PAGES && out.length < want; i++) {
        const data = await this.page(after, Math.min(100, want - out.length));
        if (!data || gen !== this.generation) return;
        out.push(...data[this.list]);
        next = data.next;
        if (next === null) break;
        after = next;
      }
      this.render(out, next);
    } finally {
      this.busy = false;
    }
  }

  render(list, next) {
    this.next = next;
    const fresh = new Map();
    const order = [];
    for (const row of list) {
      if (fresh.has(row.id)) continue;
      let tr = this.rows.get(row.id);
      if (tr) this.update(tr, row);
      else { tr = this.create(row); tr.dataset.id = row.id; this.update(tr, row); }
      tr.row = row;
      fresh.set(row.id, tr);
      order.push(tr);
    }
    this.rows = fresh;
    // Only touch the DOM order when it changed (moving a row would take the focus from its controls).
    const current = [...this.tbody.children];
    if (current.length !== order.length || current.some((tr, i) => tr !== order[i])) this.tbody.replaceChildren(...order);
    this.more.hidden = next === null;
    this.empty.hidden = order.length !== 0;
  }
}
