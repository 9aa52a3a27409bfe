// Summarises a bench/cluster.sh results directory: per scenario and target the median of each metric over the
// runs, the server-side CPU per operation split by role (nodes, Redis, PostgreSQL, nginx: from each run's
// roles.json and hearth-bench's per-process CPU), and issue 15's ratios. Runs that reported errors are left out of
// the medians (a run with a node down measures something else) and counted in their own row. Output: Markdown.
// Usage: node bench/cluster_report.mjs RESULTS_DIR

import fs from 'node:fs';
import path from 'node:path';

const dir = process.argv[2];
const runs = {}; // scenario -> target -> [{report, roles}]
for (const f of fs.readdirSync(dir)) {
  const m = /^([\w-]+)\.([\w-]+)\.(\d+)\.json$/.exec(f);
  if (!m) continue;
  const [, target, scenario, run] = m;
  let report;
  let roles = {};
  try { report = JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')); } catch { report = { errors: -1 }; }
  try { roles = JSON.parse(fs.readFileSync(path.join(dir, `${target}.${scenario}.${run}.roles.json`), 'utf8')); } catch { /* none */ }
  ((runs[scenario] ??= {})[target] ??= []).push({ report, roles });
}

const get = (r, key) => key.split('.').reduce((o, k) => (o == null ? undefined : o[k]), r);
const median = (xs) => {
  const v = xs.filter((x) => typeof x === 'number' && Number.isFinite(x)).sort((a, b) => a - b);
  if (!v.length) return undefined;
  const mid = Math.floor(v.length / 2);
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
};
const fmt = (x) => (x === undefined ? '—' : Math.abs(x) >= 100 ? Math.round(x).toLocaleString('en-US') : x.toFixed(2));

// What one operation is, per scenario: [count key, per-second key, label].
const op = (scenario) => (scenario.startsWith('relay') ? ['delivered', 'delivered_per_sec', 'relay']
  : scenario === 'setup' ? ['completed', 'setups_per_sec', 'set-up'] : ['requests', 'requests_per_sec', 'request']);
const group = (role) => (role.startsWith('node') || role === 'baseline' ? 'nodes' : role.startsWith('nginx') ? 'nginx' : role);

// µs of CPU per operation of each role group in one run (the whole server side when the run has no breakdown).
function cpuByGroup({ report, roles }, scenario) {
  const n = get(report, op(scenario)[0]);
  if (!(n > 0)) return {};
  const out = {};
  const procs = report.server_processes;
  if (!Array.isArray(procs)) {
    const all = get(report, scenario.startsWith('relay') ? 'server_cpu_us_per_relay'
      : scenario === 'setup' ? 'server_cpu_us_per_setup' : 'server_cpu_us_per_request');
    if (all !== undefined) out.nodes = all;
    return out;
  }
  for (const p of procs) {
    if (typeof p.cpu_s !== 'number') continue;
    const g = group((roles[p.pid] ?? 'other').replaceAll('_', ' '));
    out[g] = (out[g] ?? 0) + (p.cpu_s * 1e6) / n;
  }
  return out;
}

const metrics = {
  relay: [['delivered_per_sec', 'delivered relays/s'], ['between_nodes_share', 'share of relays between nodes'],
    ['server_cpu_us_per_relay', 'server-side CPU µs/relay (all processes)'], ['server_cpu_percent', 'server-side CPU % (of one core)'],
    ['latency_ms.p50', 'latency p50 ms'], ['latency_ms.p99', 'latency p99 ms'], ['client_cpu_percent', 'load generator CPU %'],
  ],
  setup: [['setups_per_sec', 'call set-ups/s'], ['negotiated_ms.p50', 'negotiated p50 ms'], ['negotiated_ms.p99', 'negotiated p99 ms'],
    ['server_cpu_us_per_setup', 'server-side CPU µs/set-up (all processes)'], ['server_cpu_percent', 'server-side CPU % (of one core)'],
    ['client_cpu_percent', 'load generator CPU %']],
  rest: [['requests_per_sec', 'requests/s'], ['initiates_per_sec', 'initiates/s'], ['latency_ms.p50', 'latency p50 ms'],
    ['latency_ms.p99', 'latency p99 ms'], ['server_cpu_us_per_request', 'server-side CPU µs/request (all processes)'],
    ['server_cpu_percent', 'server-side CPU % (of one core)'], ['client_cpu_percent', 'load generator CPU %']],
};
const order = ['single', 'cluster', 'nginx', 'baseline'];
const byOrder = (a, b) => (order.indexOf(a) + 1 || 99) - (order.indexOf(b) + 1 || 99) || a.localeCompare(b);

const clean = (scenario, target) => (runs[scenario]?.[target] ?? []).filter((r) => r.report.errors === 0);
const med = (scenario, target, key) => median(clean(scenario, target).map((r) => get(r.report, key)));
const medGroup = (scenario, target, g) => median(clean(scenario, target).map((r) => cpuByGroup(r, scenario)[g]));

const out = [];
const scenarios = Object.keys(runs).sort();
for (const scenario of scenarios) {
  const kind = scenario.startsWith('relay') ? 'relay' : scenario;
  const targets = Object.keys(runs[scenario]).sort(byOrder);
  const n = Math.max(...targets.map((t) => runs[scenario][t].length));
  out.push(`### ${scenario} (median of ${n} run${n > 1 ? 's' : ''})`, '');
  out.push(`| metric | ${targets.join(' | ')} |`, `|---|${targets.map(() => '---:').join('|')}|`);
  out.push(`| runs with errors (left out) | ${targets.map((t) => runs[scenario][t].filter((r) => r.report.errors !== 0).length).join(' | ')} |`);
  for (const [key, label] of metrics[kind] ?? []) {
    out.push(`| ${label} | ${targets.map((t) => fmt(med(scenario, t, key))).join(' | ')} |`);
  }
  const groups = new Set();
  for (const t of targets) for (const r of runs[scenario][t]) for (const g of Object.keys(cpuByGroup(r, scenario))) groups.add(g);
  for (const g of [...groups].sort((a, b) => (a === 'nodes' ? -1 : b === 'nodes' ? 1 : a.localeCompare(b)))) {
    out.push(`| CPU µs/${op(scenario)[2]}: ${g} | ${targets.map((t) => fmt(medGroup(scenario, t, g))).join(' | ')} |`);
  }
  out.push('');
}

// Issue 15's goals.
const goals = [];
for (const [scenario, target, base] of [['relay-remote', 'cluster', 'relay'], ['relay-remote', 'nginx', 'relay'],
  ['relay', 'cluster', 'relay'], ['relay', 'nginx', 'relay'], ['relay-remote-paced', 'cluster', 'relay-paced'],
  ['relay-remote-paced', 'nginx', 'relay-paced'], ['relay-paced', 'cluster', 'relay-paced'], ['relay-paced', 'nginx', 'relay-paced']]) {
  const local = med(base, 'single', 'server_cpu_us_per_relay');
  const cross = med(scenario, target, 'server_cpu_us_per_relay');
  if (local === undefined || cross === undefined) continue;
  const share = med(scenario, target, 'between_nodes_share');
  const noNginx = target === 'nginx' ? ['nodes', 'redis'].reduce((s, g) => s + (medGroup(scenario, target, g) ?? 0), 0) : undefined;
  goals.push(`| ${scenario} on ${target} (${fmt(100 * (share ?? 0))} % between nodes) vs ${base} on one node | ${fmt(cross)} vs ${fmt(local)} µs: ${fmt(cross / local)}×${
    noNginx !== undefined ? ` (nodes + Redis only: ${fmt(noNginx / local)}×)` : ''} | ≤ 3× |`);
}
for (const scenario of ['setup', 'rest']) {
  const key = scenario === 'setup' ? 'setups_per_sec' : 'requests_per_sec';
  const base = med(scenario, 'baseline', key);
  for (const t of ['single', 'cluster']) {
    const v = med(scenario, t, key);
    if (base === undefined || v === undefined) continue;
    goals.push(`| ${scenario}: ${t} vs the Node.js baseline (${key}) | ${fmt(v)} vs ${fmt(base)}: ${fmt(v / base)}× | ${scenario === 'setup' ? '≥ 5×' : ''} |`);
  }
}
if (goals.length) out.push('### issue 15', '', '| comparison | measured | goal |', '|---|---|---|', ...goals, '');
console.log(out.join('\n'));
