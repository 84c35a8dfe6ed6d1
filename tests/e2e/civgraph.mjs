// Starts the civgraph binary on a free 127.0.0.1 port for the browser tests
// and stops it afterwards.
import { spawn } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** The binary to test: $CIVGRAPH_BIN, else the newer of target/{release,debug}/civgraph. */
export function civgraphBinary() {
  if (process.env.CIVGRAPH_BIN) return process.env.CIVGRAPH_BIN;
  const exe = process.platform === 'win32' ? 'civgraph.exe' : 'civgraph';
  const built = ['release', 'debug']
    .map((profile) => path.join(REPO, 'target', profile, exe))
    .filter((p) => existsSync(p))
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
  if (!built.length) {
    throw new Error('no civgraph binary in target/: run `cargo build` first, or set CIVGRAPH_BIN');
  }
  return built[0];
}

/**
 * Runs `civgraph serve --bind 127.0.0.1:0` (the system picks a free port),
 * reads the address from its "listening on" log line, then polls /health
 * until it answers. Resolves to {origin, health, stop()}.
 */
export async function startCivgraph({ timeoutMs = 60_000 } = {}) {
  if (process.env.CIVGRAPH_URL) return useRunning(process.env.CIVGRAPH_URL.replace(/\/+$/, ''), timeoutMs);
  const bin = civgraphBinary();
  const child = spawn(bin, ['serve', '--bind', '127.0.0.1:0', '--data', path.join(REPO, 'graph-data')], {
    cwd: REPO,
    env: { ...process.env, NO_COLOR: '1', RUST_LOG: process.env.RUST_LOG ?? 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const deadline = Date.now() + timeoutMs;

  const origin = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill();
      reject(new Error(`civgraph (${bin}) did not say where it listens within ${timeoutMs} ms:\n${output}`));
    }, timeoutMs);
    const onData = (chunk) => {
      output += chunk;
      // eslint-disable-next-line no-control-regex
      const plain = output.replace(/\x1b\[[0-9;]*m/g, '');
      const m = plain.match(/listening on (http:\/\/127\.0\.0\.1:\d+)/);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`civgraph (${bin}) exited with ${code} before listening:\n${output}`));
    });
  });

  let health;
  try {
    health = await pollHealth(origin, deadline);
  } catch (err) {
    child.kill();
    throw new Error(`${err.message}\n${output}`);
  }

  return {
    bin,
    origin,
    health,
    output: () => output,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** Asks /health until it answers 200; its JSON. */
async function pollHealth(origin, deadline) {
  for (;;) {
    try {
      const res = await fetch(`${origin}/health`);
      if (res.ok) return await res.json();
    } catch {
      // Not answering yet.
    }
    if (Date.now() > deadline) throw new Error(`civgraph at ${origin} never answered /health`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** A civgraph already running at `origin` ($CIVGRAPH_URL), left running. */
async function useRunning(origin, timeoutMs) {
  const health = await pollHealth(origin, Date.now() + timeoutMs);
  return { bin: null, origin, health, output: () => '', stop: async () => {} };
}
