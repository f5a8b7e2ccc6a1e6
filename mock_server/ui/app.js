// The live inspector (/_mock/ui/). Talks only to the mock's admin API on the
// same origin: /_mock/summary and /_mock/timeline (one page at a time),
// /_mock/inspect for a detail, /_mock/changes to wait for the next change, and
// the existing clock, reset and engagement endpoints for the controls.
'use strict';

const TOKEN_KEY = 'mockCourierAdminToken';
const PAGE = 100;
const LANES = [['app', 'App / Segment'], ['courier', 'Courier'], ['providers', 'Providers'], ['segment', 'Segment']];
// Geometry shared with reports/src/timeline.cc (RenderSwimlaneSvg).
const LABEL_WIDTH = 110, STEP = 26, TOP = 22, LANE_HEIGHT = 30, LABEL_GAP = 34;

const state = { workspace: '', offset: 0, version: -1, nowMs: '', total: 0, selected: null, rows: [] };
const $ = (id) => document.getElementById(id);

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === 'class') node.className = v;
    else if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v);
  }
  for (const c of children) if (c !== null && c !== undefined) node.append(c);
  return node;
}

function svgEl(tag, attrs, text) {
  const node = document.createElementNS('http://www.w3.org/2000/svg', tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (text !== undefined) node.textContent = text;
  return node;
}

class Unauthorized extends Error {}

async function api(method, path, body) {
  const headers = {};
  const token = sessionStorage.getItem(TOKEN_KEY);
  if (token) headers.Authorization = 'Bearer ' + token;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  if (res.status === 401) throw new Unauthorized();
  const json = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(json.message || method + ' ' + path + ' -> ' + res.status);
  return json;
}

function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== '' && v !== undefined) q.set(k, v);
  return q.toString();
}

function showError(e) {
  if (e instanceof Unauthorized) {
    $('token-form').classList.remove('hidden');
    $('app').classList.add('hidden');
    return;
  }
  $('error').textContent = e.message || String(e);
}

function iso(ms) { return typeof ms === 'number' && ms > 0 ? new Date(ms).toISOString() : ''; }

// ---- Overview ---------------------------------------------------------------

function card(title, total, by, id) {
  const parts = Object.entries(by || {}).map(([k, v]) => k + ' ' + v).join(' · ');
  return el('div', { class: 'card', id }, el('h3', {}, title), el('div', { class: 'total' }, String(total)),
    el('div', { class: 'by' }, parts || '—'));
}

function renderOverview(summary) {
  const t = summary.totals;
  $('overview').replaceChildren(
    card('inbound events', t.inbound, summary.inbound, 'count-inbound'),
    card('automation runs', t.runs, summary.runs, 'count-runs'),
    card('messages', t.messages, summary.messages, 'count-messages'),
    card('outbound Segment calls', t.outbound, summary.outbound, 'count-outbound'));
  const c = summary.clock;
  $('clock').textContent = c.now + ' (' + c.mode + (c.next_due ? ', next due ' + c.next_due : '') + ')';
}

// ---- Timeline ---------------------------------------------------------------

function filters() {
  return {
    user: $('filter-user').value.trim(), event: $('filter-event').value.trim(),
    status: $('filter-status').value.trim(), kind: $('filter-kind').value,
  };
}

function chip(id, prefix) {
  return el('span', { class: 'chip', title: id, onclick: (e) => { e.stopPropagation(); openById(id); } },
    prefix + ' ' + id.slice(-8));
}

function renderTimeline(page) {
  state.rows = page.results;
  state.total = page.total;
  const body = $('timeline').querySelector('tbody');
  body.replaceChildren(...page.results.map((row) => {
    const links = el('td', {});
    for (const id of row.links) links.append(chip(id, '←'));
    for (const id of row.leads_to) links.append(chip(id, '→'));
    const tr = el('tr', { 'data-kind': row.kind, 'data-id': row.id, 'data-status': row.status, 'data-lane': row.lane,
      onclick: () => openDetail(row.kind, row.id) },
    el('td', { class: 'at' }, row.at), el('td', { class: 'kind k-' + row.kind }, row.kind),
    el('td', {}, row.label), el('td', {}, row.user), el('td', { class: 'status' }, row.status), links);
    if (state.selected && state.selected.id === row.id) tr.classList.add('selected');
    return tr;
  }));
  const last = Math.min(state.offset + page.results.length, page.total);
  $('page-info').textContent = page.total ? (state.offset + 1) + '–' + last + ' of ' + page.total : 'nothing yet';
  $('newer').disabled = state.offset === 0;
  $('older').disabled = last >= page.total;
  drawSwimlanes(page.results.slice().reverse());
}

// The same picture as the scenario report: one lane per stage, entries in
// mock-time order, a tick at each new mock time, a line per causal link.
function drawSwimlanes(rows) {
  const host = $('swimlanes');
  if (!rows.length) { host.replaceChildren(); return; }
  const width = LABEL_WIDTH + rows.length * STEP + 16, height = TOP + 4 * LANE_HEIGHT + 4;
  const laneIndex = (lane) => Math.max(0, LANES.findIndex(([id]) => id === lane));
  const x = (i) => LABEL_WIDTH + i * STEP + STEP / 2;
  const y = (lane) => TOP + laneIndex(lane) * LANE_HEIGHT + LANE_HEIGHT / 2;
  const svg = svgEl('svg', { class: 'swimlanes', width, height, viewBox: `0 0 ${width} ${height}`, role: 'img',
    'aria-label': 'swim lanes along mock time' });
  LANES.forEach(([id, title]) => {
    svg.append(svgEl('line', { class: 'lane', x1: 0, x2: width, y1: y(id), y2: y(id) }));
    svg.append(svgEl('text', { class: 'lane-title', x: 4, y: y(id) + 4 }, title));
  });
  const indexOf = new Map();
  let previous = '', previousLabelX = -1000, labelRow = 0;
  rows.forEach((row, i) => {
    if (row.at !== previous) {
      const tx = x(i) - STEP / 2;
      // A label too close to the previous one goes on the other of two rows.
      labelRow = tx - previousLabelX < LABEL_GAP ? 1 - labelRow : 0;
      previousLabelX = tx;
      svg.append(svgEl('line', { class: 'tick', x1: tx, x2: tx, y1: 12, y2: height }));
      svg.append(svgEl('text', { class: 'tick-label', x: tx + 2, y: labelRow ? 20 : 10 }, row.at.slice(11, 16)));
      previous = row.at;
    }
    indexOf.set(row.id, i);
  });
  rows.forEach((row, i) => {
    for (const link of row.links) {
      const j = indexOf.get(link);
      if (j === undefined) continue;
      svg.append(svgEl('line', { class: 'flow', x1: x(i), y1: y(row.lane), x2: x(j), y2: y(rows[j].lane) }));
    }
  });
  rows.forEach((row, i) => {
    const c = svgEl('circle', { class: 'node k-' + row.kind, cx: x(i), cy: y(row.lane), r: 7, 'data-id': row.id });
    c.append(svgEl('title', {}, row.at + ' ' + row.kind + ': ' + row.label));
    c.addEventListener('click', () => openDetail(row.kind, row.id));
    svg.append(c);
  });
  host.replaceChildren(svg);
}

// ---- Details ----------------------------------------------------------------

function json(value) { return el('pre', {}, JSON.stringify(value, null, 2)); }

function cell(v) {
  const text = v === null || v === undefined ? '' : String(v);
  // Only long values (ids, JSON) may break anywhere; short words stay whole.
  return el('td', text.length > 24 ? { class: 'wrap' } : {}, text);
}

// One record reads better as name/value lines; several as a table.
function table(headers, rows) {
  if (rows.length === 1 && headers.length > 3) {
    return el('table', { class: 'facts' }, ...headers.map((h, i) => el('tr', {}, el('th', {}, h), cell(rows[0][i]))));
  }
  return el('table', {}, el('tr', {}, ...headers.map((h) => el('th', {}, h))),
    ...rows.map((r) => el('tr', {}, ...r.map(cell))));
}

function escapeHtml(text) {
  return String(text).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));
}

function emailFrame(email) {
  const body = String(email.body || email.html || '');
  const html = /<[a-z][\s\S]*>/i.test(body) ? body : '<pre style="white-space:pre-wrap;font:14px sans-serif">' + escapeHtml(body) + '</pre>';
  // sandbox without allow-scripts: the rendered email runs no script; the
  // page's Content-Security-Policy applies to it too.
  const frame = el('iframe', { class: 'email', sandbox: '', title: 'rendered email' });
  frame.srcdoc = '<!DOCTYPE html><meta charset="utf-8"><h2 style="font:600 16px sans-serif">' +
    escapeHtml(email.subject || email.title || '') + '</h2>' + html;
  return frame;
}

function linksBlock(row) {
  if (!row || (!row.links.length && !row.leads_to.length)) return null;
  const block = el('div', {}, el('h3', {}, 'causal links'));
  for (const id of row.links) block.append(chip(id, 'from'));
  for (const id of row.leads_to) block.append(chip(id, 'leads to'));
  return block;
}

function renderInbound(r) {
  const payload = r.payload || {};
  return [
    el('h2', {}, (r.source || '') + ' ' + (r.type || '') + ' ' + (r.event || '')),
    table(['outcome', 'HTTP status', 'Courier id', 'Segment messageId', 'received'],
      [[r.outcome, r.status, r.id, payload.messageId || '', r.received_at]]),
    el('h3', {}, 'dedupe / replay'),
    el('p', {}, r.outcome === 'duplicate'
      ? 'A repeated messageId: the first response was replayed and nothing ran again.'
      : 'First delivery of this messageId.'),
    el('h3', {}, 'diagnostics'),
    (r.diagnostics || []).length ? el('ul', {}, ...r.diagnostics.map((d) => el('li', {}, String(d)))) : el('p', { class: 'muted' }, 'none'),
    el('h3', {}, 'effects'), json(r.effects || {}),
    el('h3', {}, 'payload'), json(payload),
  ];
}

function renderRun(r) {
  const steps = (r.steps || []).map((s, i) => [i + 1, s.action, s.status,
    (s.result && (s.result.expectedDelayValue || s.result.messageId)) || '', s.processed_at || '', s.error || '']);
  return [
    el('h2', {}, 'run ' + (r.template || '') + ' · ' + r.status),
    table(['run id', 'cancelation token', 'created', 'updated'], [[r.id, r.cancelation_token || '(none)', r.created_at, r.updated_at]]),
    el('h3', {}, 'steps (due times on the mock clock)'),
    table(['#', 'action', 'state', 'due / result', 'processed', 'error'], steps),
    (r.diagnostics || []).length ? json(r.diagnostics) : null,
    el('h3', {}, 'context'), json(r.context || {}),
  ];
}

function renderMessage(r) {
  const out = [el('h2', {}, 'message ' + (r.notification || r.event || '') + ' · ' + r.status),
    table(['id', 'recipient', 'channel', 'provider', 'enqueued', 'sent', 'delivered'],
      [[r.id, r.recipient, r.channel || '', r.provider || '', iso(r.enqueued), iso(r.sent), iso(r.delivered)]])];
  const profileButton = el('button', { type: 'button', onclick: () => openDetail('profile', r.recipient) }, 'profile of ' + r.recipient);
  out.push(el('div', { class: 'engage' }, 'simulate: ',
    el('button', { type: 'button', id: 'engage-opened', onclick: () => engage(r.id, 'opened') }, 'opened'), ' ',
    el('button', { type: 'button', id: 'engage-clicked', onclick: () => engage(r.id, 'clicked') }, 'clicked'), ' ',
    r.recipient ? profileButton : null));
  const rendered = r.rendered || {};
  for (const [channel, content] of Object.entries(rendered)) {
    out.push(el('h3', {}, 'rendered ' + channel));
    if (channel === 'email') {
      out.push(el('div', { class: 'subject' }, 'Subject: ' + (content.subject || content.title || '')));
      out.push(emailFrame(content));
    } else {
      out.push(el('pre', { class: 'text' }, [content.title, content.subject, content.body, content.text]
        .filter((v) => v !== undefined && v !== null && v !== '').map(String).join('\n')));
    }
  }
  if ((r.diagnostics || []).length) {
    out.push(el('h3', {}, 'diagnostics'), el('ul', {}, ...r.diagnostics.map((d) => el('li', {}, String(d)))));
  }
  out.push(el('h3', {}, 'provider attempts'), table(['provider', 'channel', 'status', 'sent', 'delivered', 'reference'],
    (r.providers || []).map((p) => [p.provider, p.channel && p.channel.key, p.status, iso(p.sent), iso(p.delivered),
      p.reference && p.reference.id])));
  out.push(el('h3', {}, 'history'), table(['at', 'type', 'detail'], (r.history || []).map((h) => {
    const { ts, type, ...rest } = h;
    return [iso(ts), type, Object.keys(rest).length ? JSON.stringify(rest).slice(0, 160) : ''];
  })));
  return out;
}

function renderOutbound(r) {
  return [el('h2', {}, 'Segment track "' + ((r.event && r.event.event) || '') + '" · ' + r.state),
    table(['id', 'state', 'attempts', 'last error', 'created'], [[r.id, r.state, r.attempts, r.last_error || '', r.created_at]]),
    el('h3', {}, 'call'), json(r.event || {})];
}

function renderProfile(id, r) {
  return [el('h2', {}, 'profile ' + id), el('h3', {}, 'profile JSON'), json(r.profile),
    el('h3', {}, 'lists'), json(r.lists)];
}

async function openDetail(kind, id) {
  state.selected = { kind, id };
  for (const tr of $('timeline').querySelectorAll('tbody tr')) tr.classList.toggle('selected', tr.dataset.id === id);
  try {
    const d = await api('GET', '/_mock/inspect?' + query({ workspace: state.workspace, kind, id }));
    const r = d.record;
    let parts;
    if (kind === 'segment' || kind === 'inbound') parts = renderInbound(r);
    else if (kind === 'run') parts = renderRun(r);
    else if (kind === 'send') parts = renderMessage(r);
    else if (kind === 'outbound') parts = renderOutbound(r);
    else parts = renderProfile(id, r);
    $('detail').replaceChildren(...parts.filter(Boolean), linksBlock(d.row) || '');
    $('detail').dataset.kind = kind;
    $('detail').dataset.id = id;
  } catch (e) {
    if (e instanceof Unauthorized) return showError(e);
    // E.g. the item went away with a workspace reset.
    state.selected = null;
    $('detail').replaceChildren(el('p', { class: 'muted' }, e.message));
  }
}

function openById(id) {
  const row = state.rows.find((r) => r.id === id);
  if (row) return openDetail(row.kind, row.id);
  // Not on this page: ask each kind in turn.
  return (async () => {
    for (const kind of ['run', 'send', 'outbound', 'segment']) {
      try {
        await api('GET', '/_mock/inspect?' + query({ workspace: state.workspace, kind, id }));
        return openDetail(kind, id);
      } catch (e) { if (e instanceof Unauthorized) return showError(e); }
    }
  })();
}

// ---- Controls (the existing admin API) --------------------------------------

async function advance(by) {
  try { await api('POST', '/_mock/clock/advance', { by }); await refresh(); } catch (e) { showError(e); }
}

async function engage(id, event) {
  try { await api('POST', '/_mock/messages/' + encodeURIComponent(id) + '/engagement', { event }); await refresh(); } catch (e) { showError(e); }
}

async function resetWorkspace() {
  if (!window.confirm('Reset the state of workspace ' + state.workspace + '?')) return;
  try { await api('POST', '/_mock/reset?' + query({ workspace: state.workspace })); state.offset = 0; await refresh(); } catch (e) { showError(e); }
}

// ---- Loading and live updates -----------------------------------------------

let refreshing = null;
async function refresh() {
  if (refreshing) return refreshing;
  refreshing = (async () => {
    const [summary, page] = await Promise.all([
      api('GET', '/_mock/summary?' + query({ workspace: state.workspace })),
      api('GET', '/_mock/timeline?' + query({ workspace: state.workspace, limit: PAGE, offset: state.offset, ...filters() })),
    ]);
    state.version = page.version;
    state.nowMs = summary.clock.now_ms;
    $('error').textContent = '';
    renderOverview(summary);
    renderTimeline(page);
    if (state.selected) await openDetail(state.selected.kind, state.selected.id);
    document.body.dataset.version = String(state.version);
  })().finally(() => { refreshing = null; });
  return refreshing;
}

async function watch() {
  // Long-poll: /_mock/changes answers as soon as the engine's version (or the
  // virtual clock) moves, or after timeout_ms with changed=false.
  for (;;) {
    try {
      $('live').classList.add('on');
      const c = await api('GET', '/_mock/changes?' + query({ since: state.version, now_ms: state.nowMs, timeout_ms: 25000 }));
      if (c.changed) await refresh();
    } catch (e) {
      $('live').classList.remove('on');
      showError(e);
      if (e instanceof Unauthorized) return;
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
}

async function start() {
  try {
    // With ?workspace=KEY the data and the workspace list load side by side.
    const wanted = new URLSearchParams(location.search).get('workspace');
    const listing = api('GET', '/_mock/workspaces');
    let first = null;
    if (wanted) {
      state.workspace = wanted;
      first = refresh();
    }
    const list = await listing;
    const select = $('workspace');
    const keys = list.workspaces.map((w) => [w.api_keys[0], (w.name || w.api_keys[0])]);
    if (wanted && !keys.some(([k]) => k === wanted)) keys.unshift([wanted, wanted]);
    select.replaceChildren(...keys.map(([k, name]) => el('option', { value: k }, name + ' (' + k + ')')));
    state.workspace = wanted || (keys[0] && keys[0][0]) || '';
    select.value = state.workspace;
    $('token-form').classList.add('hidden');
    $('app').classList.remove('hidden');
    await (first || refresh());
    document.body.dataset.readyMs = String(Math.round(performance.now()));
    document.body.dataset.ready = 'true';
    watch();
  } catch (e) { showError(e); }
}

function wire() {
  for (const b of document.querySelectorAll('[data-advance]')) b.addEventListener('click', () => advance(b.dataset.advance));
  $('advance-custom-go').addEventListener('click', () => { const v = $('advance-custom').value.trim(); if (v) advance(/^\d+$/.test(v) ? Number(v) : v); });
  $('reset').addEventListener('click', resetWorkspace);
  $('workspace').addEventListener('change', () => {
    state.workspace = $('workspace').value; state.offset = 0; state.selected = null;
    history.replaceState(null, '', '?' + query({ workspace: state.workspace }));
    $('detail').replaceChildren(el('p', { class: 'muted' }, 'Select a row to see its details.'));
    refresh().catch(showError);
  });
  let timer;
  for (const id of ['filter-user', 'filter-event', 'filter-status', 'filter-kind']) {
    $(id).addEventListener('input', () => { clearTimeout(timer); timer = setTimeout(() => { state.offset = 0; refresh().catch(showError); }, 200); });
  }
  $('newer').addEventListener('click', () => { state.offset = Math.max(0, state.offset - PAGE); refresh().catch(showError); });
  $('older').addEventListener('click', () => { state.offset += PAGE; refresh().catch(showError); });
  $('token-form').addEventListener('submit', (e) => {
    e.preventDefault();
    sessionStorage.setItem(TOKEN_KEY, $('token').value);
    start();
  });
}

wire();
start();
