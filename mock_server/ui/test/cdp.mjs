// A small headless-Chromium driver over the DevTools protocol on a pipe
// (--remote-debugging-pipe): no npm package and no browser download, only the
// Debian `chromium` and Node's standard library.
//
// Every request the page makes is recorded (Network.requestWillBeSent), and
// Chromium's proxy is a trap that counts connections: with loopback bypassed,
// any request leaving the machine would reach it.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export function findChromium() {
  for (const candidate of ['/usr/bin/chromium', '/usr/bin/chromium-browser']) {
    if (fs.existsSync(candidate)) return candidate;
  }
  return '';
}

// Counts TCP connections; Chromium is pointed at it as its proxy.
export async function startProxyTrap() {
  let count = 0;
  const seen = [];  // first request lines, for the failure message
  const sockets = new Set();
  const server = net.createServer((socket) => {
    count += 1;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.once('data', (chunk) => { seen.push(chunk.toString('latin1').split('\r\n')[0]); socket.destroy(); });
    socket.setTimeout(200, () => socket.destroy());
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: server.address().port,
    count: () => count,
    seen: () => seen.slice(),
    close: () => new Promise((resolve) => { for (const s of sockets) s.destroy(); server.close(resolve); }),
  };
}

export class Browser {
  // `intercept` false leaves requests alone (no round trip to this driver per
  // request; for timing the page): `blocked` then stays empty and only the
  // proxy trap sees requests leaving loopback.
  static async launch({ chromium, proxyPort, width = 1440, height = 1000, intercept = true }) {
    const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'inspector-chromium-'));
    const args = [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--disable-default-apps', '--disable-extensions', '--no-first-run', '--mute-audio',
      // Chromium's own background services (updates, time, autofill, sign-in):
      // quiet, so that the proxy trap only hears the page.
      '--disable-client-side-phishing-detection', '--disable-domain-reliability', '--no-pings',
      '--metrics-recording-only', '--password-store=basic', '--use-mock-keychain', '--disable-breakpad',
      '--disable-component-extensions-with-background-pages', '--disable-search-engine-choice-screen',
      '--disable-features=Translate,MediaRouter,OptimizationHints,AutofillServerCommunication,' +
        'NetworkTimeServiceQuerying,CertificateTransparencyComponentUpdater,IsolateSandboxedIframes,' +
        'SigninInterceptBubbleV2,AccountConsistency,PushMessaging,InterestFeedContentSuggestions',
      `--window-size=${width},${height}`, `--user-data-dir=${profile}`,
      // Loopback (the mock) is bypassed by default; everything else goes to the trap.
      `--proxy-server=127.0.0.1:${proxyPort}`, '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1',
      '--remote-debugging-pipe', 'about:blank',
    ];
    const child = spawn(chromium, args, { stdio: ['ignore', 'ignore', 'ignore', 'pipe', 'pipe'] });
    const browser = new Browser(child, profile);
    const { targetId } = await browser.send('Target.createTarget', { url: 'about:blank' });
    const { sessionId } = await browser.send('Target.attachToTarget', { targetId, flatten: true });
    browser.sessionId = sessionId;
    await browser.page('Page.enable');
    await browser.page('Runtime.enable');
    await browser.page('Network.enable');
    // Every request of the page pauses here: the mock's own origin goes on,
    // anything else is failed and recorded in `blocked`.
    if (intercept) await browser.page('Fetch.enable', { patterns: [{ urlPattern: '*' }] });
    // A request the page's Content-Security-Policy stops never reaches the
    // network; record the attempt (window.__cspViolations) all the same.
    await browser.page('Page.addScriptToEvaluateOnNewDocument', { source: `
      window.__cspViolations = [];
      document.addEventListener('securitypolicyviolation', (e) => window.__cspViolations.push(e.blockedURI + ' (' + e.violatedDirective + ')'));` });
    await browser.page('Emulation.setDeviceMetricsOverride', { width, height, deviceScaleFactor: 1, mobile: false });
    return browser;
  }

  constructor(child, profile) {
    this.child = child;
    this.profile = profile;
    this.nextId = 1;
    this.pending = new Map();
    this.requests = [];  // URLs the page asked for
    this.blocked = [];  // URLs outside `allowedOrigin`, failed
    this.allowedOrigin = '';
    this.exited = false;
    this.events = [];
    let buffer = Buffer.alloc(0);
    child.stdio[4].on('data', (chunk) => {
      buffer = Buffer.concat([buffer, chunk]);
      for (let end = buffer.indexOf(0); end >= 0; end = buffer.indexOf(0)) {
        const message = JSON.parse(buffer.subarray(0, end).toString('utf8'));
        buffer = buffer.subarray(end + 1);
        this.onMessage(message);
      }
    });
    child.on('exit', () => {
      this.exited = true;
      for (const { reject } of this.pending.values()) reject(new Error('Chromium exited'));
      this.pending.clear();
    });
  }

  onMessage(message) {
    if (message.id !== undefined) {
      const waiter = this.pending.get(message.id);
      if (!waiter) return;
      this.pending.delete(message.id);
      if (message.error) waiter.reject(new Error(message.error.message));
      else waiter.resolve(message.result);
      return;
    }
    if (message.method === 'Network.requestWillBeSent') this.requests.push(message.params.request.url);
    if (message.method === 'Fetch.requestPaused') {
      const { requestId, request } = message.params;
      const allowed = this.allowedOrigin && (request.url === this.allowedOrigin || request.url.startsWith(this.allowedOrigin + '/'));
      if (allowed || request.url.startsWith('data:')) {
        this.page('Fetch.continueRequest', { requestId }).catch(() => {});
      } else {
        this.blocked.push(request.url);
        this.page('Fetch.failRequest', { requestId, errorReason: 'BlockedByClient' }).catch(() => {});
      }
    }
    this.events.push(message);
  }

  send(method, params = {}, sessionId = undefined) {
    if (this.exited) return Promise.reject(new Error('Chromium exited'));
    const id = this.nextId++;
    const message = { id, method, params };
    if (sessionId) message.sessionId = sessionId;
    this.child.stdio[3].write(JSON.stringify(message) + '\0');
    return new Promise((resolve, reject) => this.pending.set(id, { resolve, reject }));
  }

  page(method, params = {}) { return this.send(method, params, this.sessionId); }

  async goto(url) { await this.page('Page.navigate', { url }); }

  // Evaluates `expression` in the page; returns its value (awaiting promises).
  async evaluate(expression) {
    const r = await this.page('Runtime.evaluate', { expression, returnByValue: true, awaitPromise: true });
    if (r.exceptionDetails) throw new Error('page error: ' + JSON.stringify(r.exceptionDetails).slice(0, 500));
    return r.result.value;
  }

  // Polls the page until `expression` is truthy (the page updates on its own;
  // this only watches the DOM) or `timeoutMs` of wall time pass.
  async waitFor(expression, { timeoutMs = 10000, what = expression } = {}) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await this.evaluate(expression).catch(() => undefined);
      if (value) return value;
      if (Date.now() > deadline) throw new Error('timed out waiting for ' + what);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  // A real mouse click at the centre of the first element matching `selector`.
  async click(selector) {
    const box = await this.waitFor(`(() => { const e = document.querySelector(${JSON.stringify(selector)});
      if (!e) return null; e.scrollIntoView({block: 'center'}); const r = e.getBoundingClientRect();
      return r.width ? {x: r.x + r.width / 2, y: r.y + r.height / 2} : null; })()`, { what: selector });
    for (const type of ['mousePressed', 'mouseReleased']) {
      await this.page('Input.dispatchMouseEvent', { type, x: box.x, y: box.y, button: 'left', clickCount: 1 });
    }
  }

  async type(selector, text) {
    await this.click(selector);
    await this.page('Input.insertText', { text });
  }

  async screenshot(file) {
    const { data } = await this.page('Page.captureScreenshot', { format: 'png', captureBeyondViewport: true });
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, Buffer.from(data, 'base64'));
  }

  async close() {
    if (!this.exited) {
      await this.send('Browser.close').catch(() => {});
      await new Promise((resolve) => {
        if (this.exited) return resolve();
        const timer = setTimeout(() => { this.child.kill('SIGKILL'); resolve(); }, 3000);
        this.child.on('exit', () => { clearTimeout(timer); resolve(); });
      });
    }
    fs.rmSync(this.profile, { recursive: true, force: true });
  }
}

// Starts mock-courier on a free loopback port; resolves with its base URL.
export async function startMock(bin, args) {
  const child = spawn(bin, ['--port', '0', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const base = await new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const m = out.match(/listening on (http:\/\/\S+)/);
      if (m) resolve(m[1]);
    });
    child.on('exit', (code) => reject(new Error('mock-courier exited with ' + code)));
  });
  return {
    base,
    stop: () => new Promise((resolve) => { child.on('exit', resolve); child.kill('SIGTERM'); }),
  };
}
