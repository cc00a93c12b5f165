// The padlock of a private channel (issue #23): an inline SVG in the text colour (no emoji font
// needed), hidden from assistive technology (the text says "private" where it matters).

const NS = 'http://www.w3.org/2000/svg';

/** A new padlock icon, 1em square. */
export function lockIcon() {
  const svg = document.createElementNS(NS, 'svg');
  svg.setAttribute('viewBox', '0 0 16 16');
  svg.setAttribute('width', '1em');
  svg.setAttribute('height', '1em');
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('focusable', 'false');
  svg.setAttribute('class', 'lock-icon');
  const shackle = document.createElementNS(NS, 'path');
  shackle.setAttribute('d', 'M5 7.5V5a3 3 0 0 1 6 0v2.5');
  shackle.setAttribute('fill', 'none');
  shackle.setAttribute('stroke', 'currentColor');
  shackle.setAttribute('stroke-width', '1.7');
  const body = document.createElementNS(NS, 'rect');
  for (const [k, v] of Object.entries({ x: '2.5', y: '7', width: '11', height: '8', rx: '1.6', fill: 'currentColor' })) body.setAttribute(k, v);
  svg.append(shackle, body);
  return svg;
}
