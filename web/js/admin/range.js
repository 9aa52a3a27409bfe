// The date range picker: from / to (UTC, to not included), granularity, and quick presets. The range lives in the
// page's address (?from=…&to=…&granularity=…), so a reload or a shared link shows the same dashboard.

const HOUR = 3600_000;
const DAY = 24 * HOUR;

/** The presets: the last 24 whole hours by hour, the last 7 or 30 days (today included) by day. */
export function presetRange(name, now = new Date()) {
  if (name === '24h') {
    const to = new Date(Math.ceil(now.getTime() / HOUR) * HOUR);
    return { from: new Date(to.getTime() - DAY), to, granularity: 'hour' };
  }
  const days = name === '30d' ? 30 : 7;
  const to = new Date(Math.floor(now.getTime() / DAY) * DAY + DAY); // next UTC midnight
  return { from: new Date(to.getTime() - days * DAY), to, granularity: 'day' };
}

/** Which preset `range` is, if any (so its button shows as pressed). */
function presetOf(range, now = new Date()) {
  return ['24h', '7d', '30d'].find((name) => {
    const p = presetRange(name, now);
    return p.granularity === range.granularity && +p.from === +range.from && +p.to === +range.to;
  });
}

// <input type="datetime-local"> holds "YYYY-MM-DDTHH:MM" without a zone; the page means UTC.
const toInput = (date) => date.toISOString().slice(0, 16);
const fromInput = (value) => (value ? new Date(`${value}:00Z`) : new Date(NaN));

/** The range in the address, or null when it has none (or a broken one). */
export function rangeFromUrl(search = location.search) {
  const q = new URLSearchParams(search);
  const from = new Date(q.get('from') ?? NaN);
  const to = new Date(q.get('to') ?? NaN);
  const granularity = q.get('granularity');
  if (Number.isNaN(+from) || Number.isNaN(+to) || !['hour', 'day'].includes(granularity)) return null;
  return { from, to, granularity };
}

/** The query of GET /analytics for `range`. */
export function rangeQuery({ from, to, granularity }) {
  return new URLSearchParams({ from: from.toISOString(), to: to.toISOString(), granularity }).toString();
}

export class RangePicker {
  /** onChange(range): the user chose a range (a preset, or the form submitted). */
  constructor(form, onChange) {
    this.form = form;
    this.from = form.querySelector('#range-from');
    this.to = form.querySelector('#range-to');
    this.granularity = form.querySelector('#range-granularity');
    this.presets = [...form.querySelectorAll('[data-preset]')];
    for (const button of this.presets) button.onclick = () => this.#choose(presetRange(button.dataset.preset));
    form.onsubmit = (e) => {
      e.preventDefault();
      const range = this.#read();
      if (range) this.#choose(range);
    };
    // Editing a field unpresses the preset it no longer matches.
    form.oninput = () => this.#showPreset(this.#read({ quiet: true }));
    this.onChange = onChange;
  }

  /** Shows `range` in the fields and the address (without asking for it). */
  show(range) {
    this.from.value = toInput(range.from);
    this.to.value = toInput(range.to);
    this.granularity.value = range.granularity;
    this.#showPreset(range);
    history.replaceState(null, '', `${location.pathname}?${rangeQuery(range)}`);
  }

  #choose(range) {
    this.show(range);
    this.onChange(range);
  }

  #read({ quiet = false } = {}) {
    const range = {
      from: fromInput(this.from.value), to: fromInput(this.to.value), granularity: this.granularity.value,
    };
    const problem = Number.isNaN(+range.from) ? this.from : Number.isNaN(+range.to) ? this.to
      : range.from >= range.to ? this.to : null;
    this.to.setCustomValidity(problem === this.to && !Number.isNaN(+range.to) ? '"To" must be after "From".' : '');
    if (!problem) return range;
    if (!quiet) problem.reportValidity();
    return null;
  }

  #showPreset(range) {
    const preset = range && presetOf(range);
    for (const button of this.presets) button.setAttribute('aria-pressed', String(button.dataset.preset === preset));
  }
}
