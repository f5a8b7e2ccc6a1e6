// The official Courier SDK (@trycourier/courier) against mock-courier, pointed at it by baseURL.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import Courier from '@trycourier/courier';
import { startMock } from '../lib/mock.mjs';

const KEY = 'demo-key';

describe('@trycourier/courier against mock-courier', () => {
  let mock;
  let courier;

  before(async () => {
    mock = await startMock();
    courier = new Courier({ apiKey: KEY, baseURL: mock.baseUrl });
  });

  after(async () => {
    await mock?.stop();
  });

  test('send with a template to a user_id renders the stored profile', async () => {
    const { requestId } = await courier.send.message({
      message: {
        to: { user_id: 'user-1' },
        template: 'order-invoice',
        data: { properties: { order_id: 'A-17', total: 42 } },
      },
    });
    assert.match(requestId, /\S/);
    const [msg] = await mock.waitFor('messages', { workspace: KEY, match: { id: requestId, status: 'DELIVERED' } });
    assert.equal(msg.recipient, 'user-1');
    assert.equal(msg.channel, 'email');
    assert.deepEqual(msg.rendered.email, {
      subject: 'Your invoice for order A-17',
      body: 'Thanks for your order A-17: 42 USD.',
    });
  });

  test('send with inline content to an email address', async () => {
    const { requestId } = await courier.send.message({
      message: {
        to: { email: 'guest@example.com' },
        content: { title: 'Hello {{name}}', body: 'Your code is {{code}}.' },
        data: { name: 'Guest', code: '1234' },
        routing: { method: 'single', channels: ['email'] },
      },
    });
    const [msg] = await mock.waitFor('messages', { workspace: KEY, match: { id: requestId } });
    assert.equal(msg.recipient, 'guest@example.com');
    assert.equal(msg.status, 'DELIVERED');
    assert.equal(msg.rendered.email.subject, 'Hello Guest');
    assert.equal(msg.rendered.email.body, 'Your code is 1234.');
  });

  test('send to a list reaches each subscriber', async () => {
    const { requestId } = await courier.send.message({
      message: {
        to: { list_id: 'newsletter' },
        content: { title: 'News', body: 'This week: {{topic}}' },
        data: { topic: 'shoes' },
      },
    });
    assert.match(requestId, /\S/);
    const msgs = await mock.waitFor('messages', {
      workspace: KEY,
      match: { request_id: requestId, recipient: 'user-1', status: 'DELIVERED' },
    });
    assert.equal(msgs.length, 1);
    assert.equal(msgs[0].rendered.email.subject, 'News');
    assert.equal(msgs[0].rendered.email.body, 'This week: shoes');
  });

  test('ad hoc automation with a delay is canceled by a later run with its cancelation_token', async () => {
    const token = 'cart-user-2';
    const { runId } = await courier.automations.invoke.invokeAdHoc({
      recipient: 'user-2',
      data: { properties: { item: 'Hat' } },
      automation: {
        cancelation_token: token,
        steps: [
          { action: 'delay', duration: '1 hour' },
          { action: 'send', template: 'checkout-reminder', recipient: 'user-2' },
        ],
      },
    });
    assert.match(runId, /\S/);
    const [waiting] = await mock.waitFor('runs', { workspace: KEY, match: { id: runId } });
    assert.notEqual(waiting.status, 'CANCELED');

    const { runId: cancelRunId } = await courier.automations.invoke.invokeAdHoc({
      automation: { steps: [{ action: 'cancel', cancelation_token: token }] },
    });
    assert.notEqual(cancelRunId, runId);

    await mock.advance('2 hours');
    const runs = await mock.list('runs', KEY);
    const canceled = runs.find((r) => r.id === runId);
    assert.equal(canceled.status, 'CANCELED');
    const messages = await mock.list('messages', KEY);
    assert.equal(
      messages.filter((m) => m.recipient === 'user-2' && m.notification === 'checkout-reminder').length,
      0,
      'the canceled run must not send',
    );
  });

  test('invoke an automation template: the delayed send fires when the clock advances', async () => {
    const { runId } = await courier.automations.invoke.invokeByTemplate('checkout-reminder', {
      recipient: 'user-2',
      data: { userId: 'user-2', properties: { item: 'Scarf', cart_id: 'c-9', total: 30 } },
    });
    assert.match(runId, /\S/);
    let messages = await mock.list('messages', KEY);
    assert.equal(messages.filter((m) => m.notification === 'checkout-reminder').length, 0);

    const advanced = await mock.advance('2 hours');
    assert.ok(advanced.fired >= 1);
    const [reminder] = await mock.waitFor('messages', {
      workspace: KEY,
      match: { recipient: 'user-2', notification: 'checkout-reminder' },
    });
    assert.equal(reminder.rendered.email.subject, 'You left Scarf in your cart');
    assert.equal(reminder.rendered.email.body, 'Your cart c-9 is waiting: Scarf, 30 USD.');
  });

  test('profiles: create merges, replace overwrites, retrieve, delete', async () => {
    const id = 'sdk-user';
    const created = await courier.profiles.create(id, { profile: { email: 'sdk@example.com', name: 'Sdk' } });
    assert.equal(created.status, 'SUCCESS');
    await courier.profiles.create(id, { profile: { phone_number: '+15550100' } });
    let got = await courier.profiles.retrieve(id);
    assert.deepEqual(got.profile, { email: 'sdk@example.com', name: 'Sdk', phone_number: '+15550100' });

    const replaced = await courier.profiles.replace(id, { profile: { email: 'new@example.com' } });
    assert.equal(replaced.status, 'SUCCESS');
    got = await courier.profiles.retrieve(id);
    assert.deepEqual(got.profile, { email: 'new@example.com' });
    const stored = await mock.list('profiles', KEY);
    assert.deepEqual(stored.find((p) => p.user_id === id)?.profile, { email: 'new@example.com' });

    await courier.profiles.delete(id);
    // Courier answers an unknown user with an empty profile, not 404 (https://www.courier.com/docs/reference/).
    got = await courier.profiles.retrieve(id);
    assert.deepEqual(got.profile, {});
    const remaining = await mock.list('profiles', KEY);
    assert.equal(remaining.find((p) => p.user_id === id), undefined);
  });

  test('list subscriptions: subscribe a user and page through the subscribers', async () => {
    await courier.lists.subscriptions.subscribeUser('user-2', { list_id: 'newsletter' });
    const page = await courier.lists.subscriptions.list('newsletter');
    const ids = page.items.map((s) => s.recipientId).sort();
    assert.deepEqual(ids, ['user-1', 'user-2']);
    await courier.lists.subscriptions.unsubscribeUser('user-2', { list_id: 'newsletter' });
    const after = await courier.lists.subscriptions.list('newsletter');
    assert.deepEqual(
      after.items.map((s) => s.recipientId),
      ['user-1'],
    );
  });

  test('messages: retrieve, list and history', async () => {
    const { requestId } = await courier.send.message({
      message: { to: { user_id: 'user-1' }, template: 'order-invoice', data: { properties: { order_id: 'H-1', total: 1 } } },
    });
    await mock.waitFor('messages', { workspace: KEY, match: { id: requestId, status: 'DELIVERED' } });

    const msg = await courier.messages.retrieve(requestId);
    assert.equal(msg.id, requestId);
    assert.equal(msg.status, 'DELIVERED');
    assert.equal(msg.recipient, 'user-1');

    const listed = await courier.messages.list({ recipient: 'user-1' });
    assert.ok(listed.results.some((m) => m.id === requestId));
    assert.ok(listed.results.every((m) => m.recipient === 'user-1'));

    const history = await courier.messages.history(requestId);
    const types = history.results.map((h) => h.type);
    assert.deepEqual(types.slice(0, 1), ['ENQUEUED']);
    assert.ok(types.includes('SENT'));
    assert.ok(types.includes('DELIVERED'));
    const delivered = await courier.messages.history(requestId, { type: 'DELIVERED' });
    assert.deepEqual(
      delivered.results.map((h) => h.type),
      ['DELIVERED'],
    );
  });

  test('inbound.trackEvent: 202, then 409 for a repeated messageId (retried by the SDK) and one recorded event', async () => {
    const body = {
      type: 'track',
      event: 'Order Shipped',
      messageId: 'sdk-track-1',
      userId: 'user-1',
      properties: { order_id: 'A-17' },
    };
    const { data, response } = await courier.inbound.trackEvent(body).withResponse();
    assert.equal(response.status, 202);
    assert.match(data.messageId, /\S/);

    await assert.rejects(courier.inbound.trackEvent(body), (err) => err instanceof Courier.ConflictError && err.status === 409);

    // The journal keeps every attempt; exactly one was accepted, the SDK's retries were refused.
    const journal = (await mock.list('inbound', KEY)).filter((e) => e.payload?.messageId === 'sdk-track-1');
    assert.deepEqual(
      journal.filter((e) => e.status === 202).map((e) => e.outcome),
      ['unmapped'],
    );
    const refused = journal.filter((e) => e.status === 409);
    assert.ok(refused.length >= 1);
    assert.ok(refused.every((e) => e.outcome === 'duplicate' && e.id === data.messageId));
  });

  test("users' preferences: opt out of a topic, read it back and in the list", async () => {
    const topic = 'promotions';
    const put = await courier.users.preferences.updateOrCreateTopic(topic, {
      user_id: 'user-1',
      topic: { status: 'OPTED_OUT' },
    });
    assert.match(put.message, /\S/);
    const one = await courier.users.preferences.retrieveTopic(topic, { user_id: 'user-1' });
    assert.equal(one.topic.topic_id, topic);
    assert.equal(one.topic.status, 'OPTED_OUT');
    const all = await courier.users.preferences.retrieve('user-1');
    assert.ok(all.items.some((t) => t.topic_id === topic && t.status === 'OPTED_OUT'));
  });
});
