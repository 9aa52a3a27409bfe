// The dashboard's chart kinds, drawn as plain SVG at a given width: a time series (bars and lines), a heat map of
// the week by hour, horizontal bars, and one stacked bar of shares. Every mark carries a <title> (its values on
// hover); colours come from CSS classes, so the charts follow the page's light or dark theme.
import { DAYS, count, tick } from './format.js';
import { crisp, niceScale, svg, tooltip } from './svg.js';

const FONT = 12; // px; labels are drawn at the real width, so this is their size on screen
const MIDDLE = { 'text-anchor': 'middle' };
const END = { 'text-anchor': 'end' };
const CENTRED = { dy: '0.32em' }; // vertically centred on y

function chartRoot(width, height) {
  return svg('svg', { width, height, viewBox: `0 0 ${width} ${height}`, 'font-size': FONT });
}

function yAxis(scale, { left, right, top, height }) {
  return scale.ticks.map((value) => {
    const y = crisp(top + height - (value / scale.max) * height);
    return svg('g', { class: 'tick' }, [
      svg('line', { class: value ? 'grid' : 'axis', x1: left, x2: right, y1: y, y2: y }),
      svg('text', { x: left - 6, y, ...CENTRED, ...END }, tick(value)),
    ]);
  });
}

/**
 * Values over time (or over the hours of a day). points: [{...}]; name(point, {long}): its axis label (short) or
 * full name; bars: {key, label, cls} drawn as a bar per point; lines: [{key, label, cls}] drawn as a line with a dot
 * per point. Each point also gets a transparent column whose <title> lists every value of that bucket, so hovering
 * anywhere above a bucket shows them.
 */
export function timeChart(width, { points, name, bars, lines = [] }) {
  const height = 240;
  const plot = { left: 44, right: width - 12, top: 12, height: height - 12 - 34 };
  const bottom = plot.top + plot.height;
  const n = Math.max(points.length, 1);
  const band = (plot.right - plot.left) / n;
  const series = [bars, ...lines].filter(Boolean);
  const value = (p, s) => p[s.key] ?? 0;
  const scale = niceScale(Math.max(0, ...points.flatMap((p) => series.map((s) => value(p, s)))));
  const y = (v) => bottom - (v / scale.max) * plot.height;
  const x = (i) => plot.left + band * (i + 0.5);

  const root = chartRoot(width, height);
  root.append(...yAxis(scale, plot));

  // x labels: as many as fit at about 64 px apart
  const every = Math.max(1, Math.ceil(64 / band));
  root.append(svg('g', { class: 'x-labels' }, points.flatMap((p, i) =>
    (i % every ? [] : [svg('text', { x: x(i), y: bottom + 18, ...MIDDLE }, name(p, { long: false }))]))));

  if (bars) {
    const barWidth = Math.max(1, band * (n > 60 ? 0.85 : 0.7));
    root.append(svg('g', { class: `bars ${bars.cls}` }, points.map((p, i) => svg('rect', {
      class: 'bar', 'data-index': i, 'data-value': value(p, bars),
      x: x(i) - barWidth / 2, width: barWidth, y: y(value(p, bars)), height: bottom - y(value(p, bars)),
    }))));
  }
  for (const line of lines) {
    const coords = points.map((p, i) => `${x(i).toFixed(1)},${y(value(p, line)).toFixed(1)}`);
    const dots = band < 6 ? [] // too dense for dots: the line alone
      : points.map((p, i) => svg('circle', { class: 'point', 'data-index': i, cx: x(i), cy: y(value(p, line)), r: 3 }));
    root.append(svg('g', { class: `line ${line.cls}` }, [svg('polyline', { points: coords.join(' ') }), ...dots]));
  }
  const describe = (p) =>
    `${name(p, { long: true })}: ${series.map((s) => `${count(value(p, s))} ${s.label}`).join(', ')}`;
  root.append(svg('g', { class: 'hits' }, points.map((p, i) => svg('rect', {
    class: 'hit', x: plot.left + band * i, width: band, y: plot.top, height: plot.height,
  }, tooltip(describe(p))))));
  return root;
}

/**
 * The week by hour (UTC): 7 rows (Monday first) of 24 cells, shaded by `metric` ('calls' or 'participants') of
 * cells: [{dayOfWeek, hour, calls, participants}] (168), the darkest being the largest value.
 */
export function heatMap(width, { cells, metric, noun }) {
  const left = 40;
  const top = 20;
  const cell = Math.max(8, (width - left - 4) / 24);
  const rowHeight = Math.min(Math.max(cell, 18), 30);
  const height = top + rowHeight * 7 + 4;
  const max = Math.max(0, ...cells.map((c) => c[metric] ?? 0));
  const root = chartRoot(width, height);
  root.setAttribute('aria-roledescription', `heat map of ${noun}`);

  const hourEvery = cell >= 28 ? 2 : cell >= 16 ? 3 : 6;
  for (let hour = 0; hour < 24; hour += hourEvery) {
    const label = String(hour).padStart(2, '0');
    root.append(svg('text', { class: 'hour', x: left + cell * (hour + 0.5), y: top - 6, ...MIDDLE }, label));
  }
  DAYS.forEach((day, d) => {
    const y = top + rowHeight * (d + 0.5);
    root.append(svg('text', { class: 'day', x: left - 6, y, ...CENTRED, ...END }, day.slice(0, 3)));
  });

  root.append(svg('g', { class: 'cells' }, cells.map((c) => {
    const value = c[metric] ?? 0;
    const hour = String(c.hour).padStart(2, '0');
    const text = `${DAYS[c.dayOfWeek]} ${hour}:00–${hour}:59 UTC: ` +
      `at most ${count(c.calls)} calls, ${count(c.participants)} participants at once`;
    return svg('rect', {
      class: value ? 'cell' : 'cell zero', 'data-day': c.dayOfWeek, 'data-hour': c.hour, 'data-value': value,
      x: left + cell * c.hour + 1, y: top + rowHeight * c.dayOfWeek + 1, width: cell - 2, height: rowHeight - 2, rx: 3,
      'fill-opacity': value ? (0.15 + 0.85 * (value / max)).toFixed(3) : null,
    }, tooltip(text));
  })));
  return root;
}

/** Horizontal bars: items [{key, label, value, display, cls?}] against `max` (default: the largest value). */
export function barList(width, { items, max, cls = '' }) {
  const labelWidth = Math.min(150, Math.max(90, width * 0.3));
  const valueWidth = Math.min(140, Math.max(70, width * 0.25));
  const row = 28;
  const top = max ?? Math.max(0, ...items.map((i) => i.value ?? 0));
  const room = Math.max(10, width - labelWidth - valueWidth - 12);
  const root = chartRoot(width, Math.max(row, items.length * row) + 4);
  items.forEach((item, i) => {
    const middle = row * i + row / 2 + 2;
    const value = item.value ?? 0;
    const length = top > 0 ? Math.max((value / top) * room, value ? 2 : 0) : 0; // a value, however small, shows
    const bar = { x: labelWidth, y: middle - 8, height: 16, rx: 3 };
    root.append(svg('g', { class: `bar-row ${item.cls ?? cls}`, 'data-key': item.key }, [
      tooltip(`${item.label}: ${item.display}`),
      svg('text', { class: 'bar-label', x: labelWidth - 8, y: middle, ...CENTRED, ...END }, item.label),
      svg('rect', { class: 'track', ...bar, width: room }),
      svg('rect', { class: 'bar', ...bar, width: length, 'data-value': value }),
      svg('text', { class: 'bar-value', x: labelWidth + room + 8, y: middle, ...CENTRED }, item.display),
    ]));
  });
  return root;
}

/** One bar split into shares: items [{key, label, value, cls}], drawn left to right; empty when all are 0. */
export function stackedBar(width, { items, unit }) {
  const total = items.reduce((sum, i) => sum + (i.value ?? 0), 0);
  const root = chartRoot(width, 40);
  const band = { y: 8, height: 24 };
  if (!total) {
    root.append(svg('rect', { class: 'track', x: 0, width, ...band, rx: 4 }),
      svg('text', { class: 'empty', x: width / 2, y: 20, ...CENTRED, ...MIDDLE }, `No ${unit} in this range`));
    return root;
  }
  let x = 0;
  for (const item of items.filter((i) => i.value)) {
    const w = (item.value / total) * width;
    const share = ((item.value / total) * 100).toFixed(1);
    const attrs = { class: `segment ${item.cls}`, 'data-key': item.key, 'data-value': item.value, x, width: w, ...band };
    root.append(svg('rect', attrs, tooltip(`${item.label}: ${count(item.value)} ${unit} (${share} %)`)));
    if (w > 36) { // room for the number inside
      const label = { class: 'segment-label', x: x + w / 2, y: 20, ...CENTRED, ...MIDDLE };
      root.append(svg('text', label, count(item.value)));
    }
    x += w;
  }
  return root;
}
