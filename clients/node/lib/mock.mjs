// Starts the built mock-courier binary on a free loopback port and wraps its admin API.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const repoRoot = path.resolve(here, '..', '..', '..');
export const demoWorkspace = path.join(repoRoot, 'fixtures', 'workspaces', 'demo.json');

function binaryPath() {
  const bin = process.env.MOCK_COURIER_BIN ?? path.join(repoRoot, 'build', 'mock_server', 'mock-courier');
  if (!existsSync(bin)) {
    throw new Error(`mock-courier binary not found at ${bin}; build it and set MOCK_COURIER_BIN`);
  }
  return bin;
}

// Starts the server with the given workspace files and a fixed clock and seed, and resolves
// once it has printed its base URL. The returned object's stop() must be awaited in `after`.
export async function startMock({ workspaces = [demoWorkspace], startTime = '2026-01-05T09:00:00Z' } = {}) {
  const args = ['--port', '0', '--host', '127.0.0.1', '--start-time', startTime, '--seed', '1'];
  for (const ws of workspaces) args.push('--workspace', ws);
  args.push('--log-format', 'off');
  const child = spawn(binaryPath(), args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
  });
  const lines = createInterface({ input: child.stdout });
  const firstLine = await Promise.race([
    once(lines, 'line').then(([line]) => line),
    once(child, 'exit').then(([code]) => {
      throw new Error(`mock-courier exited with ${code} before listening: ${stderr}`);
    }),
  ]);
  const match = /^mock-courier listening on (http:\/\/\S+)$/.exec(firstLine);
  if (!match) {
    child.kill('SIGKILL');
    throw new Error(`unexpected first line from mock-courier: ${firstLine}`);
  }
  return new Mock(child, match[1]);
}

export class Mock {
  constructor(child, baseUrl) {
    this.child = child;
    this.baseUrl = baseUrl;
  }

  async stop() {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = once(this.child, 'exit');
    this.child.kill('SIGTERM');
    await exited;
  }

  async admin(method, pathAndQuery, body) {
    const res = await fetch(this.baseUrl + pathAndQuery, {
      method,
      headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    const json = text ? JSON.parse(text) : undefined;
    if (!res.ok) throw new Error(`${method} ${pathAndQuery} -> ${res.status} ${text}`);
    return json;
  }

  // GET /_mock/{kind}?workspace=KEY -> results array.
  async list(kind, workspace, extra = {}) {
    const q = new URLSearchParams({ ...(workspace ? { workspace } : {}), ...extra });
    return (await this.admin('GET', `/_mock/${kind}?${q}`)).results;
  }

  async reset(workspace) {
    return this.admin('POST', `/_mock/reset${workspace ? `?workspace=${encodeURIComponent(workspace)}` : ''}`);
  }

  async advance(by) {
    return this.admin('POST', '/_mock/clock/advance', { by });
  }

  async putWorkspace(apiKey, workspace) {
    return this.admin('PUT', `/_mock/workspaces/${encodeURIComponent(apiKey)}`, workspace);
  }

  // Blocks on GET /_mock/wait until `count` entries of `kind` partially match `match`.
  async waitFor(kind, { workspace, match = {}, count = 1, writeKey, timeoutMs = 5000 } = {}) {
    const q = new URLSearchParams({ kind, match: JSON.stringify(match), count: String(count), timeout_ms: String(timeoutMs) });
    if (workspace) q.set('workspace', workspace);
    if (writeKey) q.set('write_key', writeKey);
    return (await this.admin('GET', `/_mock/wait?${q}`)).results;
  }
}
