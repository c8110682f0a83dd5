import { describe, expect, it } from 'vitest';
import type { APIKey } from './api/types';
import { keyStatus } from './pages/ApiKeys';
import { agentTone } from './pages/admin/Agents';
import { templateBody } from './pages/admin/Templates';
import { setupProblems } from './pages/Setup';
import { canDo, isConnectable, stateInfo, stateLabel, timeAgo, wakeLabel } from './sessionStates';
import { reconnectDelay, viewerOverlay, viewerSocketUrl } from './viewerLogic';

describe('session states', () => {
  it('labels every state', () => {
    for (const st of ['pending', 'starting', 'running', 'hibernating', 'hibernated', 'waking', 'stopping', 'stopped', 'failed']) {
      expect(stateLabel(st)).toMatch(/^[A-Z]/);
    }
    expect(stateLabel('weird')).toBe('Weird');
    expect(stateInfo('starting').transitional).toBe(true);
    expect(stateInfo('running').tone).toBe('ok');
    expect(stateInfo('failed').tone).toBe('bad');
  });
  it('offers only the actions the state allows', () => {
    expect(canDo('running', 'hibernate')).toBe(true);
    expect(canDo('running', 'wake')).toBe(false);
    expect(canDo('hibernated', 'wake')).toBe(true);
    expect(canDo('hibernated', 'hibernate')).toBe(false);
    expect(canDo('stopping', 'terminate')).toBe(false);
    expect(canDo('stopped', 'open')).toBe(false);
    expect(canDo('failed', 'wake')).toBe(true);
    expect(wakeLabel('failed')).toBe('Restart');
    expect(wakeLabel('hibernated')).toBe('Wake');
    expect(isConnectable('running')).toBe(true);
    expect(isConnectable('waking')).toBe(false);
  });
  it('timeAgo', () => {
    const now = Date.parse('2026-01-01T12:00:00Z');
    expect(timeAgo('2026-01-01T11:59:50Z', now)).toBe('just now');
    expect(timeAgo('2026-01-01T11:50:00Z', now)).toBe('10 min ago');
    expect(timeAgo('2026-01-01T09:00:00Z', now)).toBe('3 h ago');
    expect(timeAgo(undefined, now)).toBe('—');
  });
});

describe('viewer', () => {
  it('builds the WebSocket URL on this origin', () => {
    expect(viewerSocketUrl({ protocol: 'http:', host: '127.0.0.1:8080' }, '/api/v1/sessions/s/vnc?token=t')).toBe(
      'ws://127.0.0.1:8080/api/v1/sessions/s/vnc?token=t',
    );
    expect(viewerSocketUrl({ protocol: 'https:', host: 'x' }, 'p')).toBe('wss://x/p');
  });
  it('shows progress until running and connected', () => {
    expect(viewerOverlay('pending', 'idle').text).toBe('Starting…');
    expect(viewerOverlay('starting', 'idle').text).toBe('Starting…');
    expect(viewerOverlay('running', 'connecting').text).toBe('Connecting…');
    expect(viewerOverlay('running', 'reconnecting').text).toBe('Reconnecting…');
    expect(viewerOverlay('running', 'connected').kind).toBe('none');
    expect(viewerOverlay('hibernated', 'idle').kind).toBe('hibernated');
    expect(viewerOverlay('stopped', 'idle').kind).toBe('ended');
    expect(viewerOverlay('failed', 'idle').kind).toBe('failed');
    expect(viewerOverlay('running', 'connected', 'gone').kind).toBe('error');
  });
  it('reconnect delay grows and is capped', () => {
    expect(reconnectDelay(0)).toBe(500);
    expect(reconnectDelay(2)).toBe(2000);
    expect(reconnectDelay(10)).toBe(8000);
  });
});

describe('forms', () => {
  it('setup wizard checks', () => {
    expect(setupProblems('short', 'short', 'a@b.c')).toHaveLength(1);
    expect(setupProblems('long-enough-pass', 'other-long-pass', 'a@b.c')).toEqual(['The two passwords differ.']);
    expect(setupProblems('long-enough-pass', 'long-enough-pass', 'nope')).toEqual(['Enter a valid email address.']);
    expect(setupProblems('long-enough-pass', 'long-enough-pass', 'a@b.co')).toEqual([]);
  });
  it('API key status', () => {
    const k = { isActive: true } as APIKey;
    expect(keyStatus(k).label).toBe('Active');
    expect(keyStatus({ ...k, isActive: false }).label).toBe('Revoked');
    expect(keyStatus({ ...k, expiresAt: '2000-01-01T00:00:00Z' }).label).toBe('Expired');
  });
  it('agent status tones', () => {
    expect(agentTone('online')).toBe('ok');
    expect(agentTone('pending')).toBe('busy');
    expect(agentTone('rejected')).toBe('bad');
  });
  it('template form body', () => {
    const body = templateBody({
      name: ' gimp ', displayName: '', description: 'Paint', category: 'Graphics', tags: 'a, b,,', icon: '', protocol: 'vnc',
      command: 'gimp\n--no-splash\n', image: '', httpPort: '', cpu: '2', memory: '', idleTimeout: '600', persistentHome: true, enabled: false,
    });
    expect(body).toMatchObject({ name: 'gimp', displayName: 'gimp', tags: ['a', 'b'], command: ['gimp', '--no-splash'], appType: 'desktop', idleTimeout: 600, enabled: false, resources: { cpu: '2' } });
    expect(body).not.toHaveProperty('httpPort');
  });
});
