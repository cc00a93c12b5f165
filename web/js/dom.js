// Tiny DOM helpers. User data only ever goes through textContent / attributes, never innerHTML.

/** $('#id') shorthand for getElementById-style lookups. */
export const $ = (sel, root = document) => root.querySelector(sel);

/**
 * el('li', {class: 'x', text: 'hi', attrs: {title: 't'}, data: {id: 1}, on: {click: fn}}, ...children)
 * `text` is set with textContent, so it is always rendered literally.
 */
export function el(tag, opts = {}, ...children) {
  const node = document.createElement(tag);
  if (opts.class) node.className = opts.class;
  if (opts.text !== undefined && opts.text !== null) node.textContent = String(opts.text);
  if (opts.attrs) {
    for (const [k, v] of Object.entries(opts.attrs)) {
      if (v === false || v === null || v === undefined) continue;
      node.setAttribute(k, v === true ? '' : String(v));
    }
  }
  if (opts.data) for (const [k, v] of Object.entries(opts.data)) node.dataset[k] = String(v);
  if (opts.on) for (const [k, fn] of Object.entries(opts.on)) node.addEventListener(k, fn);
  for (const c of children) if (c) node.append(c);
  return node;
}

/** Replaces the children of `parent` with `children` (nodes). */
export function setChildren(parent, children) {
  parent.replaceChildren(...children);
}

export function show(node, visible) {
  node.hidden = !visible;
}

/**
 * Makes parent's children exactly `nodes`, in order, moving as few nodes as possible (a moved
 * node loses focus and is announced again by live regions; untouched nodes are neither).
 */
export function reconcile(parent, nodes) {
  const want = new Set(nodes);
  for (const child of [...parent.childNodes]) if (!want.has(child)) child.remove();
  let cur = parent.firstChild;
  for (const n of nodes) {
    if (n === cur) { cur = cur.nextSibling; continue; }
    parent.insertBefore(n, cur);
  }
}

/** A keyed node cache: node(key, sig, build) reuses the node while its signature is unchanged. */
export class KeyedNodes {
  constructor() { this.map = new Map(); this.seen = new Set(); }
  node(key, sig, build) {
    this.seen.add(key);
    const c = this.map.get(key);
    if (c && c.sig === sig) return c.node;
    const node = build();
    this.map.set(key, { sig, node });
    return node;
  }
  /** Forget keys not used since the last sweep. */
  sweep() {
    for (const k of this.map.keys()) if (!this.seen.has(k)) this.map.delete(k);
    this.seen.clear();
  }
}
