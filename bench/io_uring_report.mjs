// Summarises bench/io_uring.sh results directories (one or several, pooled): per configuration and build the
// median of each metric over the runs, the CPU per relay of io_uring against epoll (the ratio of the medians, and of
// each io_uring run against the epoll run next to it: same directory and run number), and the system calls per
// relay counted by perf in each directory. Output: Markdown.
// Usage: node bench/io_uring_report.mjs "CONFIGS" RESULTS_DIR...

import fs from 'node:fs';
import path from 'node:path';

const [configList, ...dirs] = process.argv.slice(2);
const configs = configList.split(/\s+/).filter(Boolean);
const builds = ['epoll', 'uring'];
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const read = (f) => {
  try { return JSON.parse(fs.readFileSync(f, 'utf8')); } catch { return { errors: -1 }; }
};
const runsOf = (config, build) => dirs.flatMap((d) => fs.readdirSync(d)
  .map((f) => new RegExp(`^${config}\\.${build}\\.(\\d+)\\.json$`).exec(f)).filter(Boolean)
  .map((m) => ({ key: `${d}/${m[1]}`, r: read(path.join(d, m[0])) })));

console.log(`Runs of ${dirs.map((d) => path.basename(d)).join(', ')}\n`);
console.log('| config | build | runs | relays/s | server CPU per relay (µs) | min–max | server CPU | p99 (ms) | errors |');
console.log('|---|---|---:|---:|---:|---|---:|---:|---:|');
const ratios = [];
for (const c of configs) {
  const cpu = {};
  for (const b of builds) {
    const rs = runsOf(c, b).map((x) => x.r);
    if (!rs.length) continue;
    const per = rs.map((r) => r.server_cpu_us_per_relay ?? NaN);
    cpu[b] = median(per);
    console.log(`| ${c} | ${b} | ${rs.length} | ${median(rs.map((r) => r.delivered_per_sec ?? NaN)).toFixed(0)} | ` +
      `${cpu[b].toFixed(2)} | ${Math.min(...per).toFixed(2)}–${Math.max(...per).toFixed(2)} | ` +
      `${median(rs.map((r) => r.server_cpu_percent ?? NaN)).toFixed(0)} % | ` +
      `${median(rs.map((r) => r.latency_ms?.p99 ?? NaN)).toFixed(1)} | ${rs.reduce((a, r) => a + (r.errors || 0), 0)} |`);
  }
  const epoll = new Map(runsOf(c, 'epoll').map((x) => [x.key, x.r.server_cpu_us_per_relay]));
  const pairs = runsOf(c, 'uring').filter((x) => epoll.has(x.key))
    .map((x) => x.r.server_cpu_us_per_relay / epoll.get(x.key));
  if (pairs.length) {
    ratios.push(`- ${c}: io_uring / epoll, CPU per relay: ${(cpu.uring / cpu.epoll).toFixed(2)}× (medians); paired runs ` +
      `${median(pairs).toFixed(2)}× (${Math.min(...pairs).toFixed(2)}–${Math.max(...pairs).toFixed(2)}), ` +
      `io_uring cheaper in ${pairs.filter((x) => x < 1).length} of ${pairs.length}`);
  }
}
console.log(`\n${ratios.join('\n')}`);

const rows = [];
for (const d of dirs) {
  for (const c of configs) {
    for (const b of builds) {
      const csv = path.join(d, `syscalls.${c}.${b}.csv`);
      if (!fs.existsSync(csv)) continue;
      const seconds = Number(fs.readFileSync(path.join(d, `syscalls.${c}.${b}.seconds`), 'utf8'));
      const relays = (read(path.join(d, `syscalls.${c}.${b}.json`)).delivered_per_sec ?? NaN) * seconds;
      const counts = {};
      for (const line of fs.readFileSync(csv, 'utf8').split('\n')) {
        const f = line.split(',');
        if (f.length > 3 && /^\d+$/.test(f[0])) counts[f[2].replace(/^(raw_)?syscalls:sys_enter_?/, '') || 'all'] = Number(f[0]);
      }
      rows.push({ d: path.basename(d), c, b, relays, counts });
    }
  }
}
if (rows.length) {
  const names = [...new Set(rows.flatMap((r) => Object.keys(r.counts)))].filter((n) => rows.some((r) => r.counts[n] > 0));
  console.log('\nSystem calls of the server per 1,000 relays (perf stat on the syscall tracepoints):\n');
  console.log(`| results | config | build | relays counted | ${names.join(' | ')} |`);
  console.log(`|---|---|---|---:|${names.map(() => '---:').join('|')}|`);
  for (const { d, c, b, relays, counts } of rows) {
    console.log(`| ${d} | ${c} | ${b} | ${relays.toFixed(0)} | ` +
      `${names.map((n) => (1000 * (counts[n] ?? 0) / relays).toFixed(1)).join(' | ')} |`);
  }
}
