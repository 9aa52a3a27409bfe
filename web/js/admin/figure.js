// A chart's frame: a <figure> with its heading, an optional legend, the SVG (redrawn at the width it is given, so
// text stays legible on a phone) and the same numbers as a table, for screen readers and for reading exact values.
import { h } from './svg.js';

// One observer for every chart on the page: a chart is redrawn when its box changes width.
const draws = new WeakMap();
const observer = new ResizeObserver((entries) => {
  for (const entry of entries) {
    const width = Math.round(entry.contentRect.width);
    const body = entry.target;
    if (width > 0 && Math.abs(width - Number(body.dataset.width)) >= 4) draws.get(body)?.(width);
  }
});

// Before the first layout a chart is drawn at this width; the SVG's viewBox scales it until the observer redraws.
const DEFAULT_WIDTH = 640;

/** Stops redrawing the charts (before the dashboard is replaced). */
export function forgetCharts() {
  observer.disconnect();
}

/**
 * name: data-chart (tests and styles find charts by it); title; summary: one sentence of what the chart shows
 * (its accessible description); legend: [{label, cls}]; table: {caption?, columns, rows} (cells are text);
 * draw(width) → an <svg>; wide: spans the dashboard's full width.
 */
export function chartFigure({ name, title, summary, legend, table, draw, wide = false }) {
  const titleId = `chart-${name}-title`;
  const descId = `chart-${name}-desc`;
  const body = h('div', { class: 'chart-body' });
  const render = (width) => {
    body.dataset.width = String(width);
    const chart = draw(width);
    chart.classList.add('chart-svg');
    chart.setAttribute('role', 'img');
    chart.setAttribute('aria-labelledby', titleId);
    chart.setAttribute('aria-describedby', descId);
    chart.dataset.chart = name;
    body.replaceChildren(chart);
  };
  render(DEFAULT_WIDTH);
  draws.set(body, render);
  observer.observe(body);

  return h('figure', { class: `card chart${wide ? ' wide' : ''}`, dataset: { chart: name } },
    h('figcaption', {},
      h('h3', { id: titleId }, title),
      h('p', { id: descId, class: 'muted summary' }, summary)),
    legend?.length ? h('ul', { class: 'legend', 'aria-hidden': 'true' },
      legend.map(({ label, cls }) => h('li', {}, h('span', { class: `swatch ${cls}` }), label))) : null,
    body,
    table ? dataTable(title, table) : null);
}

function dataTable(title, { columns, rows }) {
  return h('details', { class: 'chart-table' },
    h('summary', {}, 'Show the numbers'),
    h('div', { class: 'table-scroll' },
      h('table', {},
        h('caption', { class: 'visually-hidden' }, title),
        h('thead', {}, h('tr', {}, columns.map((c, i) => h('th', { scope: 'col', class: i ? 'num' : null }, c)))),
        h('tbody', {}, rows.map((row) => h('tr', {}, row.map((cell, i) =>
          (i ? h('td', { class: 'num' }, cell) : h('th', { scope: 'row' }, cell)))))))));
}
