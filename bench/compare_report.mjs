// Summarises a bench/compare.sh results directory: the median of each metric over the runs, per scenario and
// target, the ratios hearth-call / baseline, and the goals of issue 5. Output: Markdown on stdout.
// Usage: node bench/compare_report.mjs RESULTS_DIR

import fs from 'node:fs';
import path from 'node:path';

const dir = process.argv[2];
const runs = {};  // scenario -> target -> [report]
for (const f of fs.readdirSync(dir)) {
  const m = /^([\w-]+)\.([\w-]+)\.(\d+)\.json$/.exec(f);
  if (!m) continue;
  const [, target, scenario] = m;
  let r;
  try { r = JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')); } catch { r = { errors: -1 }; }
  ((runs[scenario] ??= {})[target] ??= []).push(r);
}

const get = (r, key) => key.split('.').reduce((o, k) => (o == null ? undefined : o[k]), r);
const median = (xs) => {
  const v = xs.filter((x) => typeof x === 'number' && Number.isFinite(x)).sort((a, b) => a - b);
  if (!v.length) return undefined;
  const mid = Math.floor(v.length / 2);
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
};
const fmt = (x) => (x === undefined ? '—' : Math.abs(x) >= 100 ? Math.round(x).toLocaleString('en-US') : x.toFixed(2));

// [metric key, label, better: 'up' | 'down' | undefined]
const metrics = {
  relay: [['delivered_per_sec', 'delivered relays/s', 'up'], ['server_cpu_us_per_relay', 'server CPU µs/relay', 'down'],
          ['server_cpu_percent', 'server CPU %'], ['latency_ms.p50', 'latency p50 ms'], ['latency_ms.p99', 'latency p99 ms'],
          ['client_cpu_percent', 'load generator CPU %'], ['client_cpu_us_per_relay', 'load generator µs/relay']],
  'relay-half': [['rate', 'offered relays/s'], ['delivered_per_sec', 'delivered relays/s'],
                 ['latency_ms.p50', 'latency p50 ms', 'down'], ['latency_ms.p90', 'latency p90 ms', 'down'],
                 ['latency_ms.p99', 'latency p99 ms', 'down'], ['latency_ms.max', 'latency max ms', 'down'],
                 ['server_cpu_us_per_relay', 'server CPU µs/relay', 'down']],
  setup: [['setups_per_sec', 'call set-ups/s', 'up'], ['negotiated_ms.p50', 'negotiated p50 ms', 'down'],
          ['negotiated_ms.p99', 'negotiated p99 ms', 'down'], ['server_cpu_us_per_setup', 'server CPU µs/set-up', 'down'],
          ['server_cpu_percent', 'server CPU %'], ['client_cpu_percent', 'load generator CPU %']],
  idle: [['sockets', 'sockets held'], ['rss_bytes_per_socket', 'server RSS bytes/socket', 'down'],
         ['rss_end_bytes', 'server RSS at the end'], ['connects_per_sec', 'connects/s', 'up'],
         ['server_cpu_us_per_connect', 'server CPU µs/connect', 'down']],
  rest: [['requests_per_sec', 'requests/s', 'up'], ['initiates_per_sec', 'initiates/s', 'up'],
         ['latency_ms.p50', 'latency p50 ms', 'down'], ['latency_ms.p99', 'latency p99 ms', 'down'],
         ['server_cpu_us_per_request', 'server CPU µs/request', 'down'], ['server_cpu_percent', 'server CPU %'],
         ['client_cpu_percent', 'load generator CPU %']],
  'rest-initiate': [['initiates_per_sec', 'initiates/s', 'up'], ['latency_ms.p50', 'latency p50 ms', 'down'],
                    ['latency_ms.p99', 'latency p99 ms', 'down'], ['server_cpu_us_per_request', 'server CPU µs/request', 'down'],
                    ['server_cpu_percent', 'server CPU %'], ['client_cpu_percent', 'load generator CPU %']],
};

const med = (scenario, target, key) => median((runs[scenario]?.[target] ?? []).map((r) => get(r, key)));
const out = [];
for (const scenario of Object.keys(metrics)) {
  if (!runs[scenario]) continue;
  const targets = Object.keys(runs[scenario]).sort((a, b) => (a === 'hearth' ? -1 : b === 'hearth' ? 1 : a.localeCompare(b)));
  const n = Math.max(...targets.map((t) => runs[scenario][t].length));
  out.push(`### ${scenario} (median of ${n} run${n > 1 ? 's' : ''})`, '');
  const ratio = targets.includes('hearth') && targets.includes('baseline');
  out.push(`| metric | ${targets.join(' | ')}${ratio ? ' | hearth vs baseline' : ''} |`);
  out.push(`|---|${targets.map(() => '---:').join('|')}${ratio ? '|---:' : ''}|`);
  for (const [key, label, better] of metrics[scenario]) {
    const values = targets.map((t) => med(scenario, t, key));
    if (values.every((v) => v === undefined)) continue;
    let r = '';
    if (ratio) {
      const h = med(scenario, 'hearth', key), b = med(scenario, 'baseline', key);
      if (better && h > 0 && b > 0) r = ` | ${(better === 'up' ? h / b : b / h).toFixed(1)}× ${better === 'up' ? 'more' : 'less'}`;
      else r = ' | ';
    }
    out.push(`| ${label} | ${values.map(fmt).join(' | ')}${r} |`);
  }
  const errors = targets.map((t) => runs[scenario][t].reduce((s, r) => s + (r.errors ?? 0), 0));
  out.push(`| errors (all runs) | ${errors.join(' | ')}${ratio ? ' | ' : ''} |`, '');
}

// The goals of issue 5, checked against the medians.
const goals = [];
const goal = (name, value, ok) => goals.push(`| ${name} | ${value} | ${ok === undefined ? '—' : ok ? 'met' : '**not met**'} |`);
const h = (s, k) => med(s, 'hearth', k), b = (s, k) => med(s, 'baseline', k);
if (runs.relay) {
  const us = h('relay', 'server_cpu_us_per_relay'), bus = b('relay', 'server_cpu_us_per_relay');
  goal('relay: ≤ 5 µs server CPU per relay', `${fmt(us)} µs`, us !== undefined ? us <= 5 : undefined);
  if (bus) goal('relay: ≥ 4× less CPU per relay than the baseline', `${(bus / us).toFixed(1)}×`, bus / us >= 4);
  const rh = h('relay', 'delivered_per_sec'), rb = b('relay', 'delivered_per_sec');
  if (rb) goal('relay: ≥ 2.5× the baseline\'s max relays/s', `${(rh / rb).toFixed(1)}×`, rh / rb >= 2.5);
}
if (runs['relay-half']) {
  const p99 = h('relay-half', 'latency_ms.p99');
  goal('relay: p99 ≤ 5 ms at half the max rate', `${fmt(p99)} ms`, p99 !== undefined ? p99 <= 5 : undefined);
}
if (runs.idle) {
  const rss = h('idle', 'rss_bytes_per_socket'), n = h('idle', 'sockets');
  goal(`idle: ≤ 4 KiB RSS per socket (${fmt(n)} sockets)`, `${fmt(rss)} B`, rss !== undefined ? rss <= 4096 && n >= 19000 : undefined);
}
if (runs.setup) {
  const sh = h('setup', 'setups_per_sec'), sb = b('setup', 'setups_per_sec');
  const errs = (runs.setup.hearth ?? []).reduce((s, r) => s + (r.errors ?? 0), 0);
  if (sb) goal('setup: ≥ 10× the baseline\'s set-ups/s, zero errors', `${(sh / sb).toFixed(1)}×, ${errs} errors`, sh / sb >= 10 && errs === 0);
}
if (runs['rest-initiate']) {
  const ih = h('rest-initiate', 'initiates_per_sec'), ib = b('rest-initiate', 'initiates_per_sec');
  if (ib) goal('rest: ≥ 20× the baseline\'s initiates/s', `${(ih / ib).toFixed(1)}×`, ih / ib >= 20);
  const p99 = h('rest-initiate', 'latency_ms.p99');
  goal('rest: initiate p99 ≤ 10 ms at concurrency 32', `${fmt(p99)} ms`, p99 !== undefined ? p99 <= 10 : undefined);
}
if (runs.rest) {
  const p99 = h('rest', 'latency_ms.p99');
  goal('rest: mix p99 ≤ 10 ms at concurrency 32', `${fmt(p99)} ms`, p99 !== undefined ? p99 <= 10 : undefined);
}
if (goals.length) out.push('### goals (hearth-call)', '', '| goal | measured | |', '|---|---:|---|', ...goals, '');
console.log(out.join('\n'));
