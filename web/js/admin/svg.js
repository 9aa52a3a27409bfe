// Small SVG and DOM helpers for the hand-written charts: element builders and "nice" axis scales.

const SVG_NS = 'http://www.w3.org/2000/svg';

/** An SVG element with attributes and children (elements or strings). */
export function svg(name, attrs = {}, children = []) {
  const node = document.createElementNS(SVG_NS, name);
  for (const [key, value] of Object.entries(attrs)) if (value != null) node.setAttribute(key, String(value));
  for (const child of [children].flat()) if (child != null) node.append(child);
  return node;
}

/** An SVG <title>: the hover text of its parent, and its name for assistive technology. */
export function tooltip(text) {
  return svg('title', {}, text);
}

/** An HTML element: h('p', {class: 'x'}, 'text', child…). `dataset` and `hidden` are handled. */
export function h(name, attrs = {}, ...children) {
  const node = document.createElement(name);
  for (const [key, value] of Object.entries(attrs)) {
    if (value == null || value === false) continue;
    if (key === 'dataset') Object.assign(node.dataset, value);
    else if (key === 'hidden') node.hidden = true;
    else node.setAttribute(key, value === true ? '' : String(value));
  }
  for (const child of children.flat()) if (child != null) node.append(child);
  return node;
}

/**
 * A linear scale from 0 to a "nice" maximum (1, 2, 2.5 or 5 times a power of ten) at or above `max`, with about
 * `count` ticks: {max, ticks}. Whole numbers only when the data are counts (`integers`).
 */
export function niceScale(max, { count = 4, integers = true } = {}) {
  if (!(max > 0)) return { max: integers ? count : 1, ticks: range(0, integers ? count : 1, integers ? 1 : 0.25) };
  const raw = max / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  let step = [1, 2, 2.5, 5, 10].map((m) => m * power).find((s) => s >= raw);
  if (integers) step = Math.max(1, Math.ceil(step));
  const top = Math.ceil(max / step) * step;
  return { max: top, ticks: range(0, top, step) };
}

function range(from, to, step) {
  const out = [];
  for (let v = from; v <= to + step / 1e6; v += step) out.push(Number(v.toFixed(10)));
  return out;
}

/** Round to half pixels so 1-pixel lines stay sharp. */
export function crisp(x) {
  return Math.round(x) + 0.5;
}
