// What each session state means to a user: its label, badge tone and allowed actions.
import type { SessionState } from './api/types';

export type Tone = 'ok' | 'busy' | 'idle' | 'bad' | 'muted';
export type SessionAction = 'open' | 'hibernate' | 'wake' | 'terminate';

interface StateInfo {
  label: string;
  tone: Tone;
  /** The state moves on by itself (show progress). */
  transitional: boolean;
  actions: SessionAction[];
  hint: string;
}

const STATES: Record<SessionState, StateInfo> = {
  pending: { label: 'Pending', tone: 'busy', transitional: true, actions: ['open', 'terminate'], hint: 'Waiting for a host to start it…' },
  starting: { label: 'Starting', tone: 'busy', transitional: true, actions: ['open', 'terminate'], hint: 'Starting…' },
  running: { label: 'Running', tone: 'ok', transitional: false, actions: ['open', 'hibernate', 'terminate'], hint: 'Running' },
  hibernating: { label: 'Hibernating', tone: 'busy', transitional: true, actions: ['terminate'], hint: 'Saving and hibernating…' },
  hibernated: { label: 'Hibernated', tone: 'idle', transitional: false, actions: ['open', 'wake', 'terminate'], hint: 'Hibernated: wake it to continue where you left off.' },
  waking: { label: 'Waking', tone: 'busy', transitional: true, actions: ['open', 'terminate'], hint: 'Waking up…' },
  stopping: { label: 'Stopping', tone: 'busy', transitional: true, actions: [], hint: 'Stopping…' },
  stopped: { label: 'Stopped', tone: 'muted', transitional: false, actions: [], hint: 'This session has ended.' },
  failed: { label: 'Failed', tone: 'bad', transitional: false, actions: ['wake', 'terminate'], hint: 'The session failed. Restart it or terminate it.' },
};

const UNKNOWN: StateInfo = { label: 'Unknown', tone: 'muted', transitional: false, actions: ['terminate'], hint: '' };

export function stateInfo(state: string | undefined): StateInfo {
  return (state && STATES[state as SessionState]) || { ...UNKNOWN, label: state ? capitalize(state) : 'Unknown' };
}

export function stateLabel(state: string | undefined): string {
  return stateInfo(state).label;
}

export function canDo(state: string | undefined, action: SessionAction): boolean {
  return stateInfo(state).actions.includes(action);
}

/** Label of the wake button: a failed session is restarted rather than woken. */
export function wakeLabel(state: string | undefined): string {
  return state === 'failed' ? 'Restart' : 'Wake';
}

/** States in which the viewer may connect. */
export function isConnectable(state: string | undefined): boolean {
  return state === 'running';
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** "3 min ago" style relative time. */
export function timeAgo(iso: string | undefined, now: number = Date.now()): string {
  if (!iso) return '—';
  const t = Date.parse(iso);
  if (!Number.isFinite(t)) return '—';
  const s = Math.max(0, Math.round((now - t) / 1000));
  if (s < 45) return 'just now';
  const m = Math.round(s / 60);
  if (m < 60) return `${m} min ago`;
  const h = Math.round(m / 60);
  if (h < 24) return `${h} h ago`;
  const d = Math.round(h / 24);
  return `${d} d ago`;
}
