// Segment's Courier (Actions) destination, from the pinned @segment/action-destinations tarball
// (scripts/fetch-destination.mjs), run through @segment/actions-core's test integration against
// mock-courier. The destination builds every URL from its exported getDomain(region); the test
// points that export at the mock. The same events are also sent straight to the mock in a twin
// workspace, and both workspaces must end up in the same state.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { demoWorkspace, startMock } from '../lib/mock.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const destinationDir = path.join(here, '..', '.cache', 'courier-destination');
const require = createRequire(import.meta.url);
// actions-core's ESM build has directory imports Node refuses; the destination uses the
// CommonJS build anyway, and both must share one instance.
const { createTestEvent, createTestIntegration } = require('@segment/actions-core');
// The CommonJS exports object itself, so that assigning getDomain reaches the actions' lookups.
const courierModule = require(destinationDir);

const VIA_DESTINATION = 'destination-key';
const DIRECT = 'direct-key';

// Two copies of the demo workspace without its Segment source link, so that nothing but the
// test's own calls reaches them.
function twinWorkspace(apiKey) {
  const ws = JSON.parse(readFileSync(demoWorkspace, 'utf8'));
  ws.api_keys = [apiKey];
  ws.name = `Demo (${apiKey})`;
  delete ws.segment;
  return ws;
}

const AUDIENCE = { computation_class: 'audience', computation_id: 'aud_7Qx', computation_key: 'vip_shoppers' };

// The events, as Segment would hand them to the destination. Timestamps and message ids are
// fixed so that both paths see byte-identical payloads. createTestEvent fills in a track
// event's fields; identify and group calls have no `event` or `properties` (an empty
// `properties` would make Sync Audience read the membership flag from it, not the traits).
const events = {
  identify: createTestEvent({
    type: 'identify',
    event: undefined,
    properties: undefined,
    userId: 'dest-user',
    messageId: 'dest-identify-1',
    timestamp: '2026-01-05T08:59:00.000Z',
    traits: { email: 'dest-user@example.com', name: 'Noor' },
  }),
  track: createTestEvent({
    type: 'track',
    event: 'Checkout Page Visited',
    userId: 'dest-user',
    messageId: 'dest-track-1',
    timestamp: '2026-01-05T08:59:30.000Z',
    properties: { item: 'Lamp', cart_id: 'cart-5', total: 80 },
  }),
  group: createTestEvent({
    type: 'group',
    event: undefined,
    properties: undefined,
    userId: 'dest-user',
    groupId: 'acme',
    messageId: 'dest-group-1',
    timestamp: '2026-01-05T08:59:45.000Z',
    traits: { name: 'Acme Inc', plan: 'enterprise' },
  }),
  audienceAdd: createTestEvent({
    type: 'identify',
    event: undefined,
    properties: undefined,
    userId: 'dest-user',
    messageId: 'dest-audience-add',
    context: { personas: AUDIENCE },
    traits: { vip_shoppers: true },
  }),
  audienceRemove: createTestEvent({
    type: 'identify',
    event: undefined,
    properties: undefined,
    userId: 'dest-user',
    messageId: 'dest-audience-remove',
    context: { personas: AUDIENCE },
    traits: { vip_shoppers: false },
  }),
};
const LIST_ID = `${AUDIENCE.computation_key}-${AUDIENCE.computation_id}`;

describe('Courier (Actions) destination against mock-courier', () => {
  let mock;
  let destination;
  let originalGetDomain;
  const settings = (apiKey) => ({ apiKey, region: 'US' });

  async function courier(method, apiPath, apiKey, body) {
    const res = await fetch(mock.baseUrl + apiPath, {
      method,
      headers: {
        Authorization: `Bearer ${apiKey}`,
        ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  }

  async function subscribers(apiKey) {
    const res = await courier('GET', `/lists/${LIST_ID}/subscriptions`, apiKey);
    return res.status === 200 ? res.body.items.map((s) => s.recipientId).sort() : [];
  }

  // What a workspace holds, without ids and times that differ between workspaces.
  async function state(apiKey) {
    const inbound = (await mock.list('inbound', apiKey)).map((e) => ({
      type: e.type,
      event: e.event,
      status: e.status,
      outcome: e.outcome,
      diagnostics: e.diagnostics,
      payload: e.payload,
      effects: Object.keys(e.effects).sort(),
    }));
    const runs = (await mock.list('runs', apiKey)).map((r) => ({ status: r.status, automation: r.automation }));
    const profiles = await mock.list('profiles', apiKey);
    const messages = (await mock.list('messages', apiKey)).map((m) => ({
      recipient: m.recipient,
      status: m.status,
      rendered: m.rendered,
    }));
    return { inbound, runs, profiles, messages };
  }

  before(async () => {
    mock = await startMock();
    await mock.putWorkspace(VIA_DESTINATION, twinWorkspace(VIA_DESTINATION));
    await mock.putWorkspace(DIRECT, twinWorkspace(DIRECT));
    originalGetDomain = courierModule.getDomain;
    courierModule.getDomain = () => mock.baseUrl;
    destination = createTestIntegration(courierModule.default);
  });

  after(async () => {
    if (originalGetDomain) courierModule.getDomain = originalGetDomain;
    await mock?.stop();
  });

  test('testAuthentication accepts a workspace key (POST /debug)', async () => {
    await destination.testAuthentication(settings(VIA_DESTINATION));
    await assert.rejects(destination.testAuthentication(settings('not-a-key')));
  });

  test('postToCourier forwards identify, track and group like a direct POST /inbound/segment', async () => {
    for (const name of ['identify', 'track', 'group']) {
      const [response] = await destination.testAction('postToCourier', {
        event: events[name],
        settings: settings(VIA_DESTINATION),
        useDefaultMappings: true,
      });
      assert.equal(response.status, 202, `${name} via the destination`);
      const direct = await courier('POST', '/inbound/segment', DIRECT, events[name]);
      assert.equal(direct.status, 202, `${name} sent directly: ${JSON.stringify(direct.body)}`);
    }

    const viaDestination = await state(VIA_DESTINATION);
    assert.deepEqual(viaDestination, await state(DIRECT));
    assert.equal(viaDestination.inbound.length, 3);
    assert.ok(viaDestination.inbound.every((e) => e.status === 202));
    const profile = viaDestination.profiles.find((p) => p.user_id === 'dest-user');
    assert.equal(profile.profile.email, 'dest-user@example.com');
    assert.equal(viaDestination.runs.length, 1);

    // The checkout automation the track started fires the same way in both workspaces.
    await mock.advance('2 hours');
    const later = await state(VIA_DESTINATION);
    assert.deepEqual(later, await state(DIRECT));
    assert.equal(later.messages.length, 1);
    assert.equal(later.messages[0].rendered.email.subject, 'You left Lamp in your cart');
  });

  test('audienceToList adds and removes an Engage audience member like direct list calls', async () => {
    let [response] = await destination.testAction('audienceToList', {
      event: events.audienceAdd,
      settings: settings(VIA_DESTINATION),
      useDefaultMappings: true,
    });
    assert.equal(response.status, 204);
    assert.equal((await courier('PUT', `/lists/${LIST_ID}/subscriptions/dest-user`, DIRECT)).status, 204);
    assert.deepEqual(await subscribers(VIA_DESTINATION), ['dest-user']);
    assert.deepEqual(await subscribers(VIA_DESTINATION), await subscribers(DIRECT));

    [response] = await destination.testAction('audienceToList', {
      event: events.audienceRemove,
      settings: settings(VIA_DESTINATION),
      useDefaultMappings: true,
    });
    assert.equal(response.status, 204);
    assert.equal((await courier('DELETE', `/lists/${LIST_ID}/subscriptions/dest-user`, DIRECT)).status, 204);
    assert.deepEqual(await subscribers(VIA_DESTINATION), []);
    assert.deepEqual(await subscribers(VIA_DESTINATION), await subscribers(DIRECT));
  });
});
