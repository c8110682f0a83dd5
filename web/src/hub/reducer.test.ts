import { describe, expect, it } from 'vitest';
import type { Session } from '../api/types';
import { applyHubMessage, upsertSession } from './reducer';

function s(id: string, state: Session['state'], updatedAt = '2026-01-01T00:00:00Z', createdAt = '2026-01-01T00:00:00Z', userId = 'u1'): Session {
  return { id, userId, user: 'admin', template: 'terminal', templateId: 't', state, tags: [], resources: { cpu: '1', memory: '1Gi' }, idleTimeout: 1800, protocol: 'vnc', createdAt, updatedAt };
}
const ev = (event: string, data: unknown, extra = {}) => ({ type: 'update', event, data, ...extra });

describe('applyHubMessage', () => {
  it('adds a created session, newest first', () => {
    const a = s('a', 'running', undefined, '2026-01-01T00:00:00Z');
    const b = s('b', 'pending', undefined, '2026-01-02T00:00:00Z');
    const list = applyHubMessage([a], ev('session.created', b));
    expect(list.map((x) => x.id)).toEqual(['b', 'a']);
  });
  it('updates a known session in place', () => {
    const list = applyHubMessage([s('a', 'running')], ev('session.hibernated', s('a', 'hibernated', '2026-01-01T00:01:00Z')));
    expect(list).toHaveLength(1);
    expect(list[0].state).toBe('hibernated');
  });
  it('ignores an update older than what is shown', () => {
    const cur = [s('a', 'hibernated', '2026-01-01T00:05:00Z')];
    expect(applyHubMessage(cur, ev('session.updated', s('a', 'hibernating', '2026-01-01T00:04:00Z')))).toBe(cur);
  });
  it('removes stopped and deleted sessions', () => {
    const cur = [s('a', 'running'), s('b', 'running')];
    expect(applyHubMessage(cur, ev('session.stopped', s('a', 'stopped'))).map((x) => x.id)).toEqual(['b']);
    expect(applyHubMessage(cur, { type: 'update', event: 'session.deleted', sessionId: 'b', data: {} }).map((x) => x.id)).toEqual(['a']);
  });
  it('keeps stopped sessions when asked', () => {
    const list = applyHubMessage([s('a', 'running')], ev('session.stopped', s('a', 'stopped', '2026-01-02T00:00:00Z')), { keepStopped: true });
    expect(list[0].state).toBe('stopped');
  });
  it("ignores other users' sessions when filtering by user", () => {
    const cur: Session[] = [];
    expect(applyHubMessage(cur, ev('session.created', s('x', 'pending', undefined, undefined, 'u2')), { userId: 'u1' })).toBe(cur);
  });
  it('ignores welcome, pongs and unrelated events', () => {
    const cur = [s('a', 'running')];
    expect(applyHubMessage(cur, { type: 'welcome' })).toBe(cur);
    expect(applyHubMessage(cur, { type: 'update', event: 'alert.triggered', data: {} })).toBe(cur);
    expect(applyHubMessage(cur, ev('session.updated', { nope: true }))).toBe(cur);
  });
  it('upsertSession applies a REST answer', () => {
    expect(upsertSession([], s('a', 'pending'))).toHaveLength(1);
    expect(upsertSession([s('a', 'running')], s('a', 'stopping', '2026-01-01T00:00:01Z'))[0].state).toBe('stopping');
  });
});
