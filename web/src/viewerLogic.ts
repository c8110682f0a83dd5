// Pure helpers of the viewer page (tested without a browser).
import type { SessionState } from './api/types';

/** ws:// or wss:// URL of a connect answer's `path`, on this page's origin. */
export function viewerSocketUrl(loc: { protocol: string; host: string }, path: string): string {
  const scheme = loc.protocol === 'https:' ? 'wss' : 'ws';
  return `${scheme}://${loc.host}${path.startsWith('/') ? path : `/${path}`}`;
}

export type LinkState = 'idle' | 'connecting' | 'connected' | 'reconnecting';

export interface Overlay {
  kind: 'none' | 'progress' | 'hibernated' | 'ended' | 'failed' | 'error';
  text: string;
}

/** What covers the screen, from the session state and the state of the VNC link. */
export function viewerOverlay(state: SessionState | undefined, link: LinkState, loadError?: string): Overlay {
  if (loadError) return { kind: 'error', text: loadError };
  switch (state) {
    case undefined:
      return { kind: 'progress', text: 'Loading…' };
    case 'pending':
    case 'starting':
      return { kind: 'progress', text: 'Starting…' };
    case 'waking':
      return { kind: 'progress', text: 'Waking up…' };
    case 'hibernating':
      return { kind: 'progress', text: 'Hibernating…' };
    case 'hibernated':
      return { kind: 'hibernated', text: 'This session is hibernated.' };
    case 'stopping':
      return { kind: 'progress', text: 'Stopping…' };
    case 'stopped':
      return { kind: 'ended', text: 'This session has ended.' };
    case 'failed':
      return { kind: 'failed', text: 'This session failed.' };
    case 'running':
      if (link === 'connected') return { kind: 'none', text: '' };
      if (link === 'reconnecting') return { kind: 'progress', text: 'Reconnecting…' };
      return { kind: 'progress', text: 'Connecting…' };
    default:
      return { kind: 'progress', text: 'Loading…' };
  }
}

/** Delay before the n-th (0-based) reconnect of the viewer: 0.5 s doubling to 8 s. */
export function reconnectDelay(attempt: number): number {
  return Math.min(8_000, 500 * 2 ** Math.min(attempt, 5));
}
