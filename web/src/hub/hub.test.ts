import { describe, expect, it } from 'vitest';
import type { HubMessage } from '../api/types';
import { backoffDelay, EventHubClient, hubUrl, type HubStatus } from './hub';

describe('backoffDelay', () => {
  it('doubles from 1 s up to 30 s with jitter', () => {
    expect(backoffDelay(0, () => 0.5)).toBe(1000);
    expect(backoffDelay(1, () => 0.5)).toBe(2000);
    expect(backoffDelay(3, () => 0.5)).toBe(8000);
    expect(backoffDelay(20, () => 0.5)).toBe(30000);
    expect(backoffDelay(0, () => 0)).toBe(800);
    expect(backoffDelay(0, () => 1)).toBe(1200);
  });
});

describe('hubUrl', () => {
  it('follows the page scheme and puts the token in the query', () => {
    expect(hubUrl({ protocol: 'http:', host: 'h:8080' }, '/api/v1/ws/sessions', 'a.b', { userId: 'u1' })).toBe(
      'ws://h:8080/api/v1/ws/sessions?token=a.b&userId=u1',
    );
    expect(hubUrl({ protocol: 'https:', host: 'x.org' }, '/p', 't')).toBe('wss://x.org/p?token=t');
  });
});

class FakeWS {
  static all: FakeWS[] = [];
  readyState = 0;
  onopen: (() => void) | null = null;
  onclose: (() => void) | null = null;
  onerror: (() => void) | null = null;
  onmessage: ((e: { data: string }) => void) | null = null;
  closed = false;
  constructor(public url: string) {
    FakeWS.all.push(this);
  }
  close() {
    this.closed = true;
  }
  open() {
    this.readyState = 1;
    this.onopen?.();
  }
  send(msg: object) {
    this.onmessage?.({ data: JSON.stringify(msg) });
  }
  drop() {
    this.readyState = 3;
    this.onclose?.();
  }
}

describe('EventHubClient', () => {
  it('connects with a fresh token, reports status, reconnects after a drop', async () => {
    FakeWS.all = [];
    const timers: { fn: () => void; ms: number }[] = [];
    const statuses: HubStatus[] = [];
    const messages: HubMessage[] = [];
    let n = 0;
    const hub = new EventHubClient({
      getToken: async () => `tok${++n}`,
      onMessage: (m) => messages.push(m),
      onStatus: (s) => statuses.push(s),
      filters: { userId: 'u1' },
      WebSocketImpl: FakeWS as unknown as typeof WebSocket,
      location: { protocol: 'http:', host: 'srv' },
      random: () => 0.5,
      setTimeout: (fn, ms) => timers.push({ fn, ms }),
      clearTimeout: () => {},
    });
    hub.start();
    await Promise.resolve();
    await Promise.resolve();
    expect(FakeWS.all).toHaveLength(1);
    expect(FakeWS.all[0].url).toBe('ws://srv/api/v1/ws/sessions?token=tok1&userId=u1');
    FakeWS.all[0].open();
    FakeWS.all[0].send({ type: 'welcome', clientId: 'c' });
    FakeWS.all[0].send({ type: 'update', event: 'session.created', data: { id: 's' } });
    expect(statuses).toEqual(['connecting', 'open']);
    expect(messages.map((m) => m.type)).toEqual(['welcome', 'update']);

    FakeWS.all[0].drop();
    expect(statuses.at(-1)).toBe('closed');
    const retry = timers.at(-1)!;
    expect(retry.ms).toBe(1000);
    retry.fn();
    await Promise.resolve();
    await Promise.resolve();
    expect(FakeWS.all).toHaveLength(2);
    expect(FakeWS.all[1].url).toContain('token=tok2');

    hub.stop();
    expect(FakeWS.all[1].closed).toBe(true);
    expect(statuses.at(-1)).toBe('closed');
  });

  it('waits and retries while signed out (no token)', async () => {
    FakeWS.all = [];
    const timers: { fn: () => void; ms: number }[] = [];
    const hub = new EventHubClient({
      getToken: async () => null,
      onMessage: () => {},
      WebSocketImpl: FakeWS as unknown as typeof WebSocket,
      location: { protocol: 'http:', host: 'srv' },
      random: () => 0.5,
      setTimeout: (fn, ms) => timers.push({ fn, ms }),
      clearTimeout: () => {},
    });
    hub.start();
    await Promise.resolve();
    await Promise.resolve();
    expect(FakeWS.all).toHaveLength(0);
    expect(timers).toHaveLength(1);
    hub.stop();
  });
});
