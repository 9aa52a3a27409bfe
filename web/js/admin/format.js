// How the dashboard writes numbers, shares, durations and times. Times are UTC throughout: the server buckets the
// series, the peak hours and the heat map by UTC hours and days, so the page labels them the same way.

const integer = new Intl.NumberFormat('en', { maximumFractionDigits: 0 });
const decimal = new Intl.NumberFormat('en', { maximumFractionDigits: 2 });
const compact = new Intl.NumberFormat('en', { notation: 'compact', maximumFractionDigits: 1 });

export const DAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];

/** 1234 → "1,234"; null/undefined → "–". */
export function count(n) {
  return n == null ? '–' : integer.format(n);
}

/** 2.345 → "2.35". */
export function number(n) {
  return n == null ? '–' : decimal.format(n);
}

/** An axis label: 12500 → "12.5K". */
export function tick(n) {
  return Math.abs(n) >= 10_000 ? compact.format(n) : decimal.format(n);
}

/** A share in [0, 1] → "12.5 %". */
export function percent(share) {
  if (share == null || !Number.isFinite(share)) return '–';
  const p = share * 100;
  const digits = p === 0 || p >= 10 ? 0 : p >= 1 ? 1 : 2;
  return `${p > 0 && p < 0.01 ? '< 0.01' : p.toFixed(digits)} %`;
}

/** Seconds → "45 s", "3 min 20 s", "1 h 05 min"; short: "45s", "3m 20s", "1h 05m". */
export function duration(seconds, { short = false } = {}) {
  if (seconds == null || !Number.isFinite(seconds)) return '–';
  const s = Math.round(seconds);
  const [sec, min, hr] = short ? ['s', 'm', 'h'] : [' s', ' min', ' h'];
  if (s < 60) return `${s}${sec}`;
  if (s < 3600) return `${Math.floor(s / 60)}${min} ${String(s % 60).padStart(2, '0')}${sec}`;
  return `${Math.floor(s / 3600)}${hr} ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}${min}`;
}

/** Milliseconds → "850 ms", "1.2 s". */
export function millis(ms) {
  if (ms == null || !Number.isFinite(ms)) return '–';
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`;
}

/** "2026-12-04T13:00:00Z" → "2026-12-04 13:00" (UTC). */
export function dateTime(iso) {
  return new Date(iso).toISOString().slice(0, 16).replace('T', ' ');
}

/** A bucket's label on an axis: "13:00" for hours (with the date at midnight), "12-04" for days. */
export function bucketLabel(iso, granularity, { long = false } = {}) {
  const d = new Date(iso);
  const day = d.toISOString().slice(long ? 0 : 5, 10);
  if (granularity === 'day') return long ? `${DAYS[(d.getUTCDay() + 6) % 7].slice(0, 3)} ${day}` : day;
  const hour = `${String(d.getUTCHours()).padStart(2, '0')}:00`;
  return long || d.getUTCHours() === 0 ? `${day} ${hour}` : hour;
}

/** "one-to-one" → "One-to-one", "ended_by_user" → "Ended by user". */
export function label(key) {
  const text = String(key).replaceAll('_', ' ');
  return text.charAt(0).toUpperCase() + text.slice(1);
}
