// Segment's server-side library (@segment/analytics-node) pointed at the mock's fake Segment
// Tracking API with its `host` option. The demo workspace links the source write key to its
// Courier (Actions) destination, so the app's events are relayed to Courier and Courier's own
// outbound calls come back to the fake Segment API.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Analytics } from '@segment/analytics-node';
import { startMock } from '../lib/mock.mjs';

const KEY = 'demo-key';
const SOURCE_WRITE_KEY = 'demo-source-write-key';
const OUTBOUND_WRITE_KEY = 'demo-outbound-write-key';

describe('@segment/analytics-node against the fake Segment API', () => {
  let mock;

  before(async () => {
    mock = await startMock();
  });

  after(async () => {
    await mock?.stop();
  });

  test('checkout visit is relayed, the reminder goes out after 2 h, and Courier reports it to Segment', async () => {
    const analytics = new Analytics({
      writeKey: SOURCE_WRITE_KEY,
      host: mock.baseUrl,
      flushAt: 1,
      maxRetries: 0,
    });
    const errors = [];
    analytics.on('error', (err) => errors.push(err));

    analytics.identify({ userId: 'shopper-1', traits: { email: 'shopper-1@example.com', name: 'Lin' } });
    analytics.track({
      userId: 'shopper-1',
      event: 'Checkout Page Visited',
      properties: { item: 'Boots', cart_id: 'cart-77', total: 120 },
    });
    await analytics.closeAndFlush({ timeout: 10000 });
    assert.deepEqual(errors, []);

    // The fake Segment API recorded both calls as sent by the library.
    const received = await mock.waitFor('received', {
      writeKey: SOURCE_WRITE_KEY,
      count: 2,
      match: { event: { userId: 'shopper-1' } },
    });
    assert.ok(received.every((r) => r.path === '/v1/batch'));
    const byType = Object.fromEntries(received.map((r) => [r.event.type, r.event]));
    assert.equal(byType.identify.traits.email, 'shopper-1@example.com');
    assert.equal(byType.track.event, 'Checkout Page Visited');
    assert.equal(byType.track.context.library.name, '@segment/analytics-node');
    assert.match(byType.track.messageId, /\S/);

    // Relayed to the workspace's Courier destination: the profile is stored, a run waits.
    const [profile] = await mock.waitFor('profiles', { workspace: KEY, match: { user_id: 'shopper-1' } });
    assert.equal(profile.profile.email, 'shopper-1@example.com');
    const [relayed] = await mock.waitFor('inbound', {
      workspace: KEY,
      match: { source: 'segment-relay', type: 'track', event: 'Checkout Page Visited', outcome: 'accepted' },
    });
    assert.equal(relayed.payload.messageId, byType.track.messageId);
    assert.equal(relayed.effects.runs.length, 1);
    const [run] = await mock.waitFor('runs', { workspace: KEY, match: { id: relayed.effects.runs[0] } });
    assert.notEqual(run.status, 'CANCELED');
    assert.equal((await mock.list('messages', KEY)).length, 0, 'nothing is sent before the delay');

    // Two hours later the reminder is delivered...
    await mock.advance('2 hours');
    const [reminder] = await mock.waitFor('messages', {
      workspace: KEY,
      match: { recipient: 'shopper-1', status: 'DELIVERED' },
    });
    assert.equal(reminder.rendered.email.subject, 'You left Boots in your cart');
    assert.equal(reminder.rendered.email.body, 'Your cart cart-77 is waiting: Boots, 120 USD.');

    // ...and Courier's outbound Segment calls reach the fake Segment API.
    const sent = await mock.waitFor('received', {
      writeKey: OUTBOUND_WRITE_KEY,
      match: { event: { type: 'track', event: 'Message Sent', userId: 'shopper-1' } },
    });
    const delivered = await mock.waitFor('received', {
      writeKey: OUTBOUND_WRITE_KEY,
      match: { event: { type: 'track', event: 'Message Delivered', userId: 'shopper-1' } },
    });
    assert.equal(sent.length, 1);
    assert.equal(delivered.length, 1);
    const outbox = await mock.list('segment/outbox', KEY);
    assert.ok(outbox.length >= 2);
    assert.ok(outbox.every((c) => c.state === 'delivered'), JSON.stringify(outbox.map((c) => c.state)));
  });
});
