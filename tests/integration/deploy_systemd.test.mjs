// deploy/systemd/hearth-call.service is a unit systemd accepts as it is: `systemd-analyze verify` (with ExecStart
// pointed at the built binary) reports nothing, and it does report a broken copy (so this test can fail). Its stop
// settings fit the server's drain: SIGTERM, and a stop timeout longer than SHUTDOWN_TIMEOUT_SECONDS' default.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';

import { BIN, makeTempDir } from './lib/server.mjs';

const UNIT = new URL('../../deploy/systemd/hearth-call.service', import.meta.url);
const run = promisify(execFile);

async function verify(text) {
  const dir = await makeTempDir('hearth-unit-');
  const file = join(dir, 'hearth-call.service');
  await writeFile(file, text.replace('/opt/hearth-call/bin/hearth-call', BIN));
  const { stdout, stderr } = await run('systemd-analyze', ['verify', file]).catch((e) => e);
  return `${stdout}${stderr}`.trim();
}

test('systemd-analyze verify accepts the unit without a warning', async () => {
  const unit = await readFile(UNIT, 'utf8');
  assert.equal(await verify(unit), '');
  assert.notEqual(await verify(unit.replace('KillMode=mixed', 'KillMode=mixd')), '', 'a broken unit is reported');
  assert.notEqual(await verify(unit.replace('NoNewPrivileges=yes', 'NoNewPrivilege=yes')), '');
});

test('the unit stops with SIGTERM and waits longer than the drain', async () => {
  const unit = await readFile(UNIT, 'utf8');
  const value = (key) => unit.match(new RegExp(`^${key}=(.*)$`, 'm'))?.[1];
  assert.equal(value('KillSignal'), 'SIGTERM');
  assert.ok(Number(value('TimeoutStopSec')) > 20, 'TimeoutStopSec > SHUTDOWN_TIMEOUT_SECONDS (20)');
  for (const key of ['NoNewPrivileges', 'PrivateTmp']) assert.equal(value(key), 'yes', key);
  assert.equal(value('ProtectSystem'), 'strict');
  assert.match(value('ReadWritePaths'), /\/var\/lib\/hearth-call/);
});
