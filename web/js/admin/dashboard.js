// The dashboard itself: the headline numbers and the charts of one analytics answer (GET /analytics, docs/api.md).
// It only renders; main.js fetches and decides what is shown.
import { barList, heatMap, stackedBar, timeChart } from './charts.js';
import { chartFigure, forgetCharts } from './figure.js';
import * as fmt from './format.js';
import { h } from './svg.js';

const CALL_TYPES = ['one-to-one', 'group', 'therapy'];
const END_REASONS = ['ended_by_user', 'all_left', 'missed', 'declined', 'timeout'];
const QUALITY_LEVELS = ['excellent', 'good', 'fair', 'poor', 'lost'];
const CONCURRENCY_LEGEND = [
  { label: 'Calls at once', cls: 'series-calls' },
  { label: 'Participants at once', cls: 'series-participants' },
];

/** Replaces the contents of `root` with the dashboard of `data`. */
export function renderDashboard(root, data) {
  forgetCharts();
  const { granularity } = data.range;
  root.replaceChildren(
    stats(data),
    activityChart(data.series, granularity),
    concurrencyChart(data.series, granularity),
    heatMapChart(data.peaks.heatmap),
    hoursChart(data.peaks.byHourOfDay),
    durationChart(data.durationSeconds),
    callTypesChart(data.calls.byType),
    endReasonsChart(data.calls.byEndReason),
    qualityChart(data.quality),
    establishmentChart(data.establishmentMs),
    featuresChart(data.features),
    errorsChart(data.errors),
  );
}

// --- headline numbers ----------------------------------------------------------------------------------------------

function stat(key, name, value, note) {
  return h('div', { class: 'stat', dataset: { stat: key } },
    h('dt', {}, name),
    h('dd', {}, h('span', { class: 'value' }, value), h('span', { class: 'note muted' }, note)));
}

function stats({ calls, participants, durationSeconds: d, peaks, quality, errors }) {
  return h('section', { class: 'stats wide', 'aria-label': 'Totals' }, h('dl', {},
    stat('calls-total', 'Calls', fmt.count(calls.total),
      `${fmt.count(calls.started)} started · ${fmt.count(calls.ongoing)} ongoing`),
    stat('participants-total', 'Participants', fmt.count(participants.total),
      `${fmt.number(participants.meanPerCall)} per call`),
    stat('duration-mean', 'Mean duration', fmt.duration(d.count ? d.mean : null, { short: true }),
      `median ${fmt.duration(d.count ? d.p50 : null)}`),
    stat('peak-calls', 'Peak concurrent calls', fmt.count(peaks.calls),
      `${fmt.count(peaks.participants)} participants at once`),
    stat('mos-mean', 'Mean quality (MOS)', quality.mosMean == null ? '–' : fmt.number(quality.mosMean),
      `${fmt.count(quality.calls)} calls measured`),
    stat('error-rate', 'REST error rate', fmt.percent(errors.rest.rate),
      `signaling ${fmt.percent(errors.signaling.rate)}`),
  ));
}

// --- over time ---------------------------------------------------------------------------------------------------

const bucketName = (granularity) => (p, { long }) => fmt.bucketLabel(p.start, granularity, { long });
const hourName = (p, { long }) => `${String(p.hour).padStart(2, '0')}:00${long ? ' UTC' : ''}`;
const bucketColumn = (granularity) => (granularity === 'hour' ? 'Hour (UTC)' : 'Day (UTC)');
const busiestOf = (list) => list.reduce((best, p) => (p.calls > (best?.calls ?? 0) ? p : best), null);

function activityChart(series, granularity) {
  const name = bucketName(granularity);
  const calls = series.reduce((s, p) => s + p.calls, 0);
  const busiest = busiestOf(series);
  return chartFigure({
    name: 'calls-over-time', wide: true,
    title: 'Calls and participants over time',
    summary: `${fmt.count(calls)} calls created in ${series.length} ${granularity === 'hour' ? 'hours' : 'days'}` +
      (busiest ? `; the busiest ${granularity} was ${name(busiest, { long: true })} ` +
        `with ${fmt.count(busiest.calls)}.` : '.'),
    legend: [
      { label: 'Calls started', cls: 'series-calls' },
      { label: 'Participants who joined', cls: 'series-participants' },
    ],
    draw: (width) => timeChart(width, {
      points: series, name,
      bars: { key: 'calls', label: 'calls', cls: 'series-calls' },
      lines: [{ key: 'participants', label: 'participants', cls: 'series-participants' }],
    }),
    table: {
      columns: [bucketColumn(granularity), 'Calls', 'Participants'],
      rows: series.map((p) => [name(p, { long: true }), fmt.count(p.calls), fmt.count(p.participants)]),
    },
  });
}

function concurrencyChart(series, granularity) {
  const name = bucketName(granularity);
  const peak = Math.max(0, ...series.map((p) => p.peakCalls));
  return chartFigure({
    name: 'concurrency', wide: true,
    title: 'Peak concurrency',
    summary: `The most calls and participants at the same moment in each ${granularity}; ` +
      `at most ${fmt.count(peak)} calls at once.`,
    legend: CONCURRENCY_LEGEND,
    draw: (width) => timeChart(width, {
      points: series, name,
      lines: [{ key: 'peakCalls', label: 'calls at once', cls: 'series-calls' },
        { key: 'peakParticipants', label: 'participants at once', cls: 'series-participants' }],
    }),
    table: {
      columns: [bucketColumn(granularity), 'Calls at once', 'Participants at once'],
      rows: series.map((p) => [name(p, { long: true }), fmt.count(p.peakCalls), fmt.count(p.peakParticipants)]),
    },
  });
}

function heatMapChart(cells) {
  const busiest = busiestOf(cells);
  const at = (day, hour) => cells.find((c) => c.dayOfWeek === day && c.hour === hour)?.calls ?? 0;
  return chartFigure({
    name: 'heatmap', wide: true,
    title: 'Peak hours',
    summary: 'The most calls at once by day of the week and hour of the day (UTC); darker is busier. ' +
      (busiest ? `Busiest: ${fmt.DAYS[busiest.dayOfWeek]} ${hourName(busiest, { long: false })} ` +
        `with ${fmt.count(busiest.calls)} calls at once.` : 'No calls in this range.'),
    draw: (width) => heatMap(width, { cells, metric: 'calls', noun: 'calls at once' }),
    table: {
      columns: ['Hour (UTC)', ...fmt.DAYS.map((d) => d.slice(0, 3))],
      rows: Array.from({ length: 24 }, (_, hour) =>
        [hourName({ hour }, { long: false }), ...fmt.DAYS.map((_, day) => fmt.count(at(day, hour)))]),
    },
  });
}

function hoursChart(hours) {
  const busiest = busiestOf(hours);
  return chartFigure({
    name: 'hours-of-day',
    title: 'Busiest hours of the day',
    summary: 'The most calls at once in each hour of the day (UTC), over the whole range' +
      (busiest ? `; the busiest is ${hourName(busiest, { long: true })}.` : '.'),
    legend: CONCURRENCY_LEGEND,
    draw: (width) => timeChart(width, {
      points: hours, name: hourName,
      bars: { key: 'calls', label: 'calls at once', cls: 'series-calls' },
      lines: [{ key: 'participants', label: 'participants at once', cls: 'series-participants' }],
    }),
    table: {
      columns: ['Hour (UTC)', 'Calls at once', 'Participants at once'],
      rows: hours.map((p) => [hourName(p, { long: false }), fmt.count(p.calls), fmt.count(p.participants)]),
    },
  });
}

// --- distributions -------------------------------------------------------------------------------------------------

function barFigure({ name, title, summary, items, max, unit, cls }) {
  return chartFigure({
    name, title, summary,
    draw: (width) => barList(width, { items, max, cls }),
    table: { columns: ['', unit], rows: items.map((i) => [i.label, i.display]) },
  });
}

function durationChart(d) {
  const none = !d.count;
  const stats = [['mean', 'Mean'], ['p50', 'Median'], ['p90', '90th percentile'], ['max', 'Longest']];
  return barFigure({
    name: 'durations', title: 'Call durations', unit: 'Duration', cls: 'series-calls',
    summary: none ? 'No call that started has ended in this range.'
      : `Of ${fmt.count(d.count)} calls that started and ended.`,
    items: stats.map(([key, label]) =>
      ({ key, label, value: none ? 0 : d[key], display: none ? '–' : fmt.duration(d[key]) })),
  });
}

/** Bars of counts by key, the known keys first (in their order, even when 0), then any others. */
function counts(map, keys) {
  const all = [...keys, ...Object.keys(map ?? {}).filter((k) => !keys.includes(k))];
  const total = all.reduce((s, k) => s + (map?.[k] ?? 0), 0);
  return all.map((key) => {
    const value = map?.[key] ?? 0;
    const display = total ? `${fmt.count(value)} (${fmt.percent(value / total)})` : '0';
    return { key, label: fmt.label(key), value, display };
  });
}

function callTypesChart(byType) {
  return barFigure({
    name: 'call-types', title: 'Call types', unit: 'Calls', cls: 'series-calls',
    summary: 'Calls created, by type.', items: counts(byType, CALL_TYPES),
  });
}

function endReasonsChart(byEndReason) {
  return barFigure({
    name: 'end-reasons', title: 'How calls ended', unit: 'Calls', cls: 'series-participants',
    summary: 'Calls that have ended, by reason (missed: nobody answered in time; timeout: the call ran too long).',
    items: counts(byEndReason, END_REASONS),
  });
}

function qualityChart(q) {
  const items = QUALITY_LEVELS.map((key) =>
    ({ key, label: fmt.label(key), value: q.levels?.[key] ?? 0, cls: `q-${key}` }));
  const relayed = `${fmt.count(q.relayed.calls)} (${fmt.percent(q.relayed.share)})`;
  return chartFigure({
    name: 'quality', title: 'Connection quality',
    summary: q.calls
      ? `${fmt.count(q.calls)} calls measured, mean MOS ${fmt.number(q.mosMean)} (5 is best); ` +
        `${fmt.percent(q.relayed.share)} relayed through TURN.`
      : 'No call quality was reported in this range.',
    legend: items.map((i) => ({ label: i.label, cls: i.cls })),
    draw: (width) => stackedBar(width, { items, unit: 'calls' }),
    table: {
      columns: ['Level', 'Calls'],
      rows: [...items.map((i) => [i.label, fmt.count(i.value)]), ['Relayed (TURN)', relayed]],
    },
  });
}

function establishmentChart(e) {
  const bars = [['client', 'p50', 'Browser, median'], ['client', 'p90', 'Browser, 90th pct.'],
    ['server', 'p50', 'Server, median'], ['server', 'p90', 'Server, 90th pct.']];
  return barFigure({
    name: 'establishment', title: 'Connection set-up time', unit: 'Time',
    summary: `From joining to connected media, as browsers measured it (${fmt.count(e.client.count)} joins) ` +
      `and to the first answer relayed by the server (${fmt.count(e.server.count)}).`,
    items: bars.map(([side, key, label]) => ({
      key: `${side}-${key}`, label, value: e[side][key] ?? 0, display: fmt.millis(e[side][key]),
      cls: side === 'client' ? 'series-calls' : 'series-participants',
    })),
  });
}

function featuresChart(f) {
  const features = [['screenShare', 'Screen sharing'], ['videoOff', 'Camera off'], ['audioOnly', 'Audio only']];
  return barFigure({
    name: 'features', title: 'Features used', unit: 'Share of started calls', cls: 'series-calls', max: 1,
    summary: 'Share of the calls that started in which someone shared a screen or turned the camera off, ' +
      'and of those set up without video.',
    items: features.map(([key, label]) =>
      ({ key, label, value: f[key].share ?? 0, display: `${fmt.percent(f[key].share)} (${fmt.count(f[key].calls)})` })),
  });
}

function errorsChart({ rest, signaling }) {
  const codes = (byCode, kind) => Object.entries(byCode ?? {}).sort((a, b) => b[1] - a[1]).map(([code, n]) => ({
    key: `${kind}-${code}`, label: `${kind === 'rest' ? 'HTTP' : 'Socket'} ${code}`, value: n, display: fmt.count(n),
  }));
  const items = [...codes(rest.byCode, 'rest'), ...codes(signaling.byCode, 'signaling')];
  const none = [{ key: 'none', label: 'No errors', value: 0, display: '0' }];
  return chartFigure({
    name: 'errors', title: 'Errors',
    summary: `REST: ${fmt.count(rest.errors)} of ${fmt.count(rest.requests)} requests failed ` +
      `(${fmt.percent(rest.rate)}). Signaling: ${fmt.count(signaling.errors)} of ${fmt.count(signaling.events)} ` +
      `events (${fmt.percent(signaling.rate)}).`,
    draw: (width) => barList(width, { items: items.length ? items : none, cls: 'series-errors' }),
    table: { columns: ['Error', 'Count'], rows: items.map((i) => [i.label, i.display]) },
  });
}
