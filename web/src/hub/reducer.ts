// Applies event-hub messages and REST snapshots to the list of sessions the UI shows.
import type { HubMessage, Session } from '../api/types';

export const SESSION_EVENTS = [
  'session.created',
  'session.started',
  'session.updated',
  'session.hibernated',
  'session.woken',
  'session.stopped',
  'session.deleted',
] as const;

function isSession(x: unknown): x is Session {
  return !!x && typeof x === 'object' && typeof (x as Session).id === 'string' && typeof (x as Session).state === 'string';
}

/** Whether `incoming` is not older than `existing` (by updatedAt; equal or unknown counts as newer). */
export function isNotOlder(existing: Session, incoming: Session): boolean {
  const a = Date.parse(existing.updatedAt);
  const b = Date.parse(incoming.updatedAt);
  if (!Number.isFinite(a) || !Number.isFinite(b)) return true;
  return b >= a;
}

/** Newest first, like GET /api/v1/sessions. */
export function sortSessions(list: Session[]): Session[] {
  return [...list].sort((x, y) => (y.createdAt > x.createdAt ? 1 : y.createdAt < x.createdAt ? -1 : 0));
}

export interface ApplyOptions {
  /** Keep stopped sessions (the list shows them) instead of removing them. */
  keepStopped?: boolean;
  /** Only sessions of this user are kept (admins receive everyone's events). */
  userId?: string;
}

/**
 * Returns the new list after one hub message: upsert by data.id, removal on session.deleted
 * or when the session is stopped. Unrelated messages return the same array.
 */
export function applyHubMessage(list: Session[], msg: HubMessage, opts: ApplyOptions = {}): Session[] {
  if (msg.type !== 'update' || !msg.event || !msg.event.startsWith('session.')) return list;
  const data = msg.data;
  const id = isSession(data) ? data.id : msg.sessionId;
  if (!id) return list;
  const idx = list.findIndex((s) => s.id === id);
  const remove = msg.event === 'session.deleted' || (isSession(data) && data.state === 'stopped' && !opts.keepStopped);
  if (remove) {
    if (idx < 0) return list;
    return list.filter((s) => s.id !== id);
  }
  if (!isSession(data)) return list;
  if (opts.userId && data.userId !== opts.userId) return list;
  if (idx < 0) return sortSessions([...list, data]);
  if (!isNotOlder(list[idx], data)) return list;
  const next = list.slice();
  next[idx] = { ...list[idx], ...data };
  return next;
}

/** Replaces one session (after a REST answer), with the same rules as an update event. */
export function upsertSession(list: Session[], s: Session, opts: ApplyOptions = {}): Session[] {
  return applyHubMessage(list, { type: 'update', event: 'session.updated', data: s }, opts);
}
