// What the cluster harness's servers (PostgreSQL, Redis, nginx) have in common: a binary that must exist, a free
// loopback port, a long-running child that is stopped by its PID, and a wait until it accepts connections.
// Each daemon is spawned in a process group of its own (detached), so that a SIGKILL reaches its workers too
// (nginx's workers and PostgreSQL's backends outlive a killed parent otherwise), and so that the Ctrl-C of a
// terminal reaches only `./dev cluster`, which stops them in order. Every daemon still running when this process
// exits is SIGKILLed with its group, also when a signal ends this process (a `timeout`, a Ctrl-C) and nothing
// else handles that signal; CTest's timeout kills the whole tree of descendants as well.
import { spawn } from 'node:child_process';
import { accessSync, constants, createWriteStream } from 'node:fs';
import net from 'node:net';

const running = new Set(); // Daemon objects not exited yet

function killAll() {
  for (const d of running) d.killGroup('SIGKILL');
}
process.on('exit', killAll);
// A signal that would end this process ends the daemons first, unless someone else handles it (`./dev cluster`
// stops them in order itself); then the signal is raised again for its default action.
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  const onSignal = () => {
    if (process.listenerCount(sig) > 1) return;
    killAll();
    process.off(sig, onSignal);
    process.kill(process.pid, sig);
  };
  process.on(sig, onSignal);
}

/** `path` if it is an executable file; otherwise throws an error naming the Debian package that provides it. */
export function requireBinary(path, debianPackage) {
  try {
    accessSync(path, constants.X_OK);
    return path;
  } catch {
    throw new Error(`${path} is missing: install Debian's ${debianPackage} (scripts/deps.sh test or ./dev cluster do)`);
  }
}

/** A TCP port free on 127.0.0.1 right now (the kernel's choice; the caller binds it soon after). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** True once a TCP connection to 127.0.0.1:port succeeds (it is closed at once). */
export function canConnect(port, timeoutMs = 1_000) {
  return new Promise((resolve) => {
    const sock = net.connect({ port, host: '127.0.0.1' });
    const done = (ok) => {
      clearTimeout(timer);
      sock.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    sock.once('connect', () => done(true));
    sock.once('error', () => done(false));
  });
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

const OUTPUT_KEEP = 64 * 1024; // the tail of a daemon's output kept for error messages

/**
 * A long-running child process. `name` is for messages; `logFile` (optional) receives its stdout and stderr.
 * Spawn options: `uid`/`gid` (run as another user), `env`, `cwd`.
 */
export class Daemon {
  constructor(name, command, args, { logFile, ...options } = {}) {
    this.name = name;
    this.command = command;
    this.output = '';
    this.child = spawn(command, args, { ...options, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    this.pid = this.child.pid;
    running.add(this);
    const log = logFile ? createWriteStream(logFile, { flags: 'a' }) : null;
    const keep = (chunk) => {
      log?.write(chunk);
      this.output = (this.output + chunk).slice(-OUTPUT_KEEP);
    };
    this.child.stdout.setEncoding('utf8').on('data', keep);
    this.child.stderr.setEncoding('utf8').on('data', keep);
    this.spawnError = null;
    this.child.on('error', (err) => {
      this.spawnError = err;
    });
    this.exited = new Promise((resolve) => {
      this.child.on('exit', (code, signal) => {
        running.delete(this);
        // Children left in its group (a killed master's workers) go with it.
        this.killGroup('SIGKILL');
        log?.end();
        resolve({ code, signal });
      });
    });
  }

  get alive() {
    return this.child.exitCode === null && this.child.signalCode === null && !this.spawnError;
  }

  /** Sends `signal` to the daemon's process group (its PID is the group's id); no error if it is gone. */
  killGroup(signal) {
    if (!this.pid) return;
    try {
      process.kill(-this.pid, signal);
    } catch {
      // already gone
    }
  }

  /** Sends `signal` to the daemon's main process only. */
  signal(signal) {
    if (this.alive) this.child.kill(signal);
  }

  /**
   * Sends `signal` (the daemon's fast, clean shutdown) and waits for the exit; after `timeoutMs` the group is
   * SIGKILLed. Resolves {code, signal}.
   */
  async stop(signal, timeoutMs = 10_000) {
    if (!this.alive) return this.exited;
    this.child.kill(signal);
    const timer = setTimeout(() => this.killGroup('SIGKILL'), timeoutMs);
    const result = await this.exited;
    clearTimeout(timer);
    return result;
  }

  /** SIGKILL (or `signal`) to the whole group, as a crash would; waits for the main process to exit. */
  async kill(signal = 'SIGKILL') {
    if (!this.alive) return this.exited;
    this.killGroup(signal);
    return this.exited;
  }

  /**
   * Polls `ready()` until it resolves true; throws if the daemon exits first or after `timeoutMs`, with the tail of
   * its output.
   */
  async waitReady(ready, { timeoutMs = 20_000, intervalMs = 50, what = 'ready' } = {}) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.spawnError) throw new Error(`${this.name} could not be started (${this.command}): ${this.spawnError.message}`);
      if (!this.alive) throw new Error(`${this.name} exited before it was ${what}\n--- output ---\n${this.output}`);
      if (await ready()) return;
      if (Date.now() > deadline) {
        await this.kill();
        throw new Error(`${this.name} was not ${what} within ${timeoutMs} ms\n--- output ---\n${this.output}`);
      }
      await sleep(intervalMs);
    }
  }
}

/** Runs a command to completion: {code, signal, stdout, stderr}; rejects if it cannot be started or times out. */
export function run(command, args, { timeoutMs = 60_000, ...options } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c) => { stdout += c; });
    child.stderr.setEncoding('utf8').on('data', (c) => { stderr += c; });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${command} ${args.join(' ')} did not finish within ${timeoutMs} ms\n${stdout}${stderr}`));
    }, timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`could not run ${command}: ${err.message}`));
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}
