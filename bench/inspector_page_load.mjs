// How long the live inspector (/_mock/ui/) takes to load with many messages in
// a workspace: seeds N messages through POST /send, then loads the page in
// headless Chromium and reports navigation start -> data rendered (the page's
// own performance.now() when the overview and first timeline page are drawn).
//
// Usage: node bench/inspector_page_load.mjs BUILD_DIR [N=10000]
// Prints one JSON line. Not a test: numbers are for bench/README.md.
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { Browser, findChromium, startMock, startProxyTrap } from '../mock_server/ui/test/cdp.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const build = path.resolve(process.argv[2] || 'build');
const n = Number(process.argv[3] || 10000);
const mock = await startMock(path.join(build, 'mock_server/mock-courier'),
  // --retention 0: keep every finished message (the default keeps 5000), so
  // the workspace really holds N.
  ['--workspace', path.join(root, 'fixtures/workspaces/demo.json'), '--log-format', 'off',
   '--retention', '0']);
const url = new URL(mock.base);
const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });

function request(method, p, body, keepBody = false) {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? '' : JSON.stringify(body);
    const started = process.hrtime.bigint();
    const r = http.request({ host: url.hostname, port: url.port, path: p, method, agent,
      headers: { 'Content-Type': 'application/json', Authorization: 'Bearer demo-key', 'Content-Length': Buffer.byteLength(data) } },
    (res) => {
      let size = 0;
      const chunks = [];
      res.on('data', (c) => { size += c.length; if (keepBody) chunks.push(c); });
      res.on('end', () => resolve({ status: res.statusCode, size, ms: Number(process.hrtime.bigint() - started) / 1e6,
                                    json: keepBody ? JSON.parse(Buffer.concat(chunks).toString()) : undefined }));
    });
    r.on('error', reject);
    r.end(data);
  });
}

let next = 0;
async function worker() {
  while (next < n) {
    const k = next++;
    await request('POST', '/send', { message: { to: { email: `u${k}@example.com` }, content: { title: `Hello ${k}`, body: 'Body' } } });
  }
}
await Promise.all(Array.from({ length: 8 }, worker));

const results = { messages: n };
const ws = '?workspace=demo-key';
results.full_messages_view_ms = (await request('GET', '/_mock/messages' + ws)).ms;
const summary = await request('GET', '/_mock/summary' + ws, undefined, true);
results.summary_cold_ms = summary.ms;
results.totals = summary.json.totals;
results.summary_warm_ms = (await request('GET', '/_mock/summary' + ws)).ms;
const page = await request('GET', '/_mock/timeline' + ws + '&limit=100');
results.timeline_page_warm_ms = page.ms;
results.timeline_page_bytes = page.size;
// After a change (the first read at a new engine version), over HTTP only.
const send = (k) => request('POST', '/send', { message: { to: { email: `x${k}@example.com` }, content: { title: 'X', body: 'Body' } } });
await send(1);
results.timeline_page_after_change_ms = (await request('GET', '/_mock/timeline' + ws + '&limit=100')).ms;
await send(2);
results.summary_after_change_ms = (await request('GET', '/_mock/summary' + ws)).ms;
// A filter has to look at every record to count the matches (an outbound
// call's event name is in its JSON text).
await send(3);
const filtered = await request('GET', '/_mock/timeline' + ws + '&limit=100&event=message%20sent', undefined, true);
results.timeline_filtered_after_change_ms = filtered.ms;
results.timeline_filtered_total = filtered.json.total;

const trap = await startProxyTrap();
// No request interception: each paused request would cost a round trip to
// this script, which is the harness's time, not the page's (the proxy trap
// still catches anything leaving loopback).
const intercept = process.env.INSPECTOR_BENCH_INTERCEPT === '1';
const browser = await Browser.launch({ chromium: findChromium(), proxyPort: trap.port, intercept });
results.intercept = intercept;
browser.allowedOrigin = mock.base;
let loaded = false;
async function load() {
  // The first load opens the page; the next ones reload it (same renderer
  // process, as a user pressing reload).
  if (loaded) {
    await browser.evaluate('window.__previous = true');
    await browser.page('Page.reload', { ignoreCache: true });
  } else {
    await browser.goto(mock.base + '/_mock/ui/' + ws);
  }
  loaded = true;
  await browser.waitFor(`!window.__previous && document.body && document.body.dataset.ready === 'true'`, { timeoutMs: 60000 });
  return Number(await browser.evaluate('document.body.dataset.readyMs'));
}
results.page_load_first_ms = await load();
results.page_load_warm_ms = [await load(), await load(), await load()];
// One more message: the next load rebuilds the snapshot (cold).
await request('POST', '/send', { message: { to: { email: 'last@example.com' }, content: { title: 'Last', body: 'Body' } } });
results.page_load_after_change_ms = await load();
results.breakdown_ms = await browser.evaluate(`(() => {
  const nav = performance.getEntriesByType('navigation')[0];
  const r = (name) => performance.getEntriesByType('resource').filter((e) => e.name.includes(name)).map((e) => Math.round(e.responseEnd))[0];
  return { html_response_end: Math.round(nav.responseEnd), dom_content_loaded: Math.round(nav.domContentLoadedEventEnd),
           workspaces_end: r('/_mock/workspaces'), summary_end: r('/_mock/summary'), timeline_end: r('/_mock/timeline'),
           ready: Number(document.body.dataset.readyMs) };
})()`);
results.rows = await browser.evaluate(`document.querySelectorAll('#timeline tbody tr').length`);
console.log(JSON.stringify(results));
await browser.close();
await trap.close();
await mock.stop();
agent.destroy();
