// Drives the live inspector (/_mock/ui/) in headless Chromium against a running
// mock-courier started with --admin-token: the checkout automation of
// fixtures/workspaces/demo.json ("Checkout Page Visited" -> 2 h delay ->
// reminder) seen live, the clock advanced from the page, the reminder's
// rendered subject in the message detail. Any request outside the mock fails.
//
// Env: MOCK_COURIER_BIN (the binary), MOCK_COURIER_SOURCE_DIR (the repository),
// MOCK_COURIER_ARTIFACT_DIR (where the screenshot goes),
// MOCK_COURIER_REQUIRE_TOOLS (fail instead of skip without Chromium).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { Browser, findChromium, startMock, startProxyTrap } from './cdp.mjs';

const bin = process.env.MOCK_COURIER_BIN;
const source = process.env.MOCK_COURIER_SOURCE_DIR || path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const artifacts = process.env.MOCK_COURIER_ARTIFACT_DIR || path.join(process.cwd(), 'artifacts');
const chromium = findChromium();
const required = Boolean(process.env.MOCK_COURIER_REQUIRE_TOOLS);
const TOKEN = 'inspector-secret';

const skip = !chromium && !required ? 'Chromium not installed (Debian package: chromium)' : false;

test('the inspector shows the checkout automation live and advances the clock from the page', { skip, timeout: 120000 }, async (t) => {
  assert.ok(chromium, 'Chromium is required (MOCK_COURIER_REQUIRE_TOOLS is set)');
  assert.ok(bin, 'MOCK_COURIER_BIN must name the mock-courier binary');
  const mock = await startMock(bin, ['--workspace', path.join(source, 'fixtures/workspaces/demo.json'),
    '--start-time', '2026-11-23T08:00:00Z', '--admin-token', TOKEN, '--log-format', 'off']);
  t.after(() => mock.stop());
  const trap = await startProxyTrap();
  t.after(() => trap.close());
  const browser = await Browser.launch({ chromium, proxyPort: trap.port });
  t.after(() => browser.close());

  // The admin API is closed without the token (so the page has to ask for it).
  const closed = await fetch(mock.base + '/_mock/summary?workspace=demo-key');
  assert.equal(closed.status, 401);

  browser.allowedOrigin = mock.base;
  await browser.goto(mock.base + '/_mock/ui/?workspace=demo-key');
  await browser.waitFor(`!document.getElementById('token-form').classList.contains('hidden')`, { what: 'the token prompt' });
  await browser.type('#token', TOKEN);
  await browser.click('#token-form button[type=submit]');
  await browser.waitFor(`document.body.dataset.ready === 'true'`, { what: 'the page to load its data' });
  assert.equal(await browser.evaluate(`sessionStorage.getItem('mockCourierAdminToken')`), TOKEN);
  assert.equal(await browser.evaluate(`document.getElementById('workspace').value`), 'demo-key');
  assert.match(await browser.evaluate(`document.getElementById('clock').textContent`), /2026-11-23T08:00:00/);
  // A marker that a reload would wipe out.
  await browser.evaluate(`window.__sameDocument = true`);

  // The app posts a Segment track (as Segment's Courier destination does).
  const posted = await fetch(mock.base + '/inbound/segment', {
    method: 'POST',
    headers: { Authorization: 'Bearer demo-key', 'Content-Type': 'application/json' },
    body: JSON.stringify({ type: 'track', event: 'Checkout Page Visited', userId: 'user-1', messageId: 'seg-1',
      properties: { item: 'Shoes', cart_id: 'c-1', total: 42 } }),
  });
  assert.equal(posted.status, 202);

  await browser.waitFor(`document.querySelector('#timeline tr[data-kind="run"][data-status="WAITING"]')`,
    { what: 'the waiting run in the timeline' });
  assert.ok(await browser.evaluate(`document.querySelector('#timeline tr[data-kind="segment"]') !== null`));
  assert.match(await browser.evaluate(`document.querySelector('#timeline tr[data-kind="run"]').textContent`),
    /due 2026-11-23T10:00:00/);
  assert.equal(await browser.evaluate(`document.querySelectorAll('#timeline tr[data-kind="send"]').length`), 0);
  assert.equal(await browser.evaluate(`window.__sameDocument === true`), true, 'the page reloaded');

  // The run's detail: steps with their due time on the mock clock and its cancelation token.
  await browser.click('#timeline tr[data-kind="run"]');
  await browser.waitFor(`document.getElementById('detail').dataset.kind === 'run'`);
  const runDetail = await browser.evaluate(`document.getElementById('detail').textContent`);
  assert.match(runDetail, /2026-11-23T10:00:00/);
  assert.match(runDetail, /cancelation token/);
  assert.match(runDetail, /user-1/);

  // Advance the clock 2 h from the page.
  await browser.click('#advance-2h');
  await browser.waitFor(`document.querySelector('#timeline tr[data-kind="send"]')`, { what: 'the reminder message' });
  await browser.waitFor(`[...document.querySelectorAll('#timeline tr[data-kind="outbound"]')].some((tr) => tr.textContent.includes('Message Sent'))`,
    { what: 'the outbound Message Sent call' });
  assert.match(await browser.evaluate(`document.getElementById('clock').textContent`), /2026-11-23T10:00:00/);
  assert.match(await browser.evaluate(`document.getElementById('count-messages').textContent`), /DELIVERED 1/);
  // Causal links: the message points back to its run, the Message Sent call to the message.
  const links = await browser.evaluate(`(() => {
    const row = (k) => document.querySelector('#timeline tr[data-kind="' + k + '"]');
    const run = row('run').dataset.id, send = row('send').dataset.id;
    const sent = [...document.querySelectorAll('#timeline tr[data-kind="outbound"]')].find((tr) => tr.textContent.includes('Message Sent'));
    return { runToSend: row('run').querySelector('.chip[title="' + send + '"]') !== null,
             sendFromRun: row('send').querySelector('.chip[title="' + run + '"]') !== null,
             sentFromSend: sent.querySelector('.chip[title="' + send + '"]') !== null,
             nodes: document.querySelectorAll('#swimlanes circle.node').length };
  })()`);
  assert.deepEqual(links, { runToSend: true, sendFromRun: true, sentFromSend: true, nodes: 5 });

  // The message detail shows the rendered subject (and the email in a sandboxed iframe).
  await browser.click('#timeline tr[data-kind="send"]');
  await browser.waitFor(`document.getElementById('detail').dataset.kind === 'send'`);
  await browser.waitFor(`document.getElementById('detail').textContent.includes('You left Shoes in your cart')`,
    { what: 'the rendered subject' });
  const frame = await browser.evaluate(`(() => { const f = document.querySelector('#detail iframe.email');
    return f && { sandbox: f.getAttribute('sandbox'), srcdoc: f.srcdoc.includes('You left Shoes in your cart') }; })()`);
  assert.deepEqual(frame, { sandbox: '', srcdoc: true });

  // Simulate the recipient opening it, from the detail pane.
  await browser.click('#engage-opened');
  await browser.waitFor(`document.querySelector('#timeline tr[data-kind="send"][data-status="OPENED"]')`,
    { what: 'the opened message' });
  await browser.waitFor(`[...document.querySelectorAll('#timeline tr[data-kind="outbound"]')].some((tr) => tr.textContent.includes('Message Opened'))`,
    { what: 'the outbound Message Opened call' });

  // Filters narrow the timeline.
  await browser.type('#filter-event', 'Message Sent');
  await browser.waitFor(`document.querySelectorAll('#timeline tbody tr').length === 1`, { what: 'the filtered timeline' });
  await browser.evaluate(`(() => { const i = document.getElementById('filter-event'); i.value = ''; i.dispatchEvent(new Event('input')); })()`);
  await browser.waitFor(`document.querySelectorAll('#timeline tbody tr').length === 6`, { what: 'the unfiltered timeline' });
  await browser.click('#timeline tr[data-kind="send"]');
  await browser.waitFor(`document.getElementById('detail').textContent.includes('You left Shoes in your cart')`);

  // The screenshot artifact: a PNG of the whole page, written fresh by this run.
  const shot = path.join(artifacts, 'inspector.png');
  fs.rmSync(shot, { force: true });
  await browser.screenshot(shot);
  const png = fs.readFileSync(shot);
  assert.deepEqual([...png.subarray(1, 4)], [...Buffer.from('PNG')], 'the screenshot is a PNG');
  assert.ok(png.readUInt32BE(16) >= 800 && png.readUInt32BE(20) >= 600, 'the screenshot shows the whole page');

  const outside = browser.requests.filter((url) => !url.startsWith(mock.base + '/') && !url.startsWith('data:') && url !== 'about:blank');
  assert.deepEqual(outside, [], 'the page requested something outside the mock');
  assert.deepEqual(browser.blocked, [], 'the page requested something outside the mock');
  assert.deepEqual(await browser.evaluate('window.__cspViolations'), [], 'the page tried to reach outside the mock');
  assert.ok(browser.requests.some((url) => url.startsWith(mock.base + '/_mock/changes')), 'the page long-polls /_mock/changes');
  // Chromium itself (component updates, sign-in) still knocks on Google's
  // hosts through the trap now and then; anything else reaching it came from
  // the page.
  const foreign = trap.seen().filter((line) => !/^\S+ (https?:\/\/)?[a-z0-9.-]+\.(google\.com|googleapis\.com|gstatic\.com)[:/]/.test(line));
  assert.deepEqual(foreign, [], 'a request left loopback through the proxy trap');
});
