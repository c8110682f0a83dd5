import { deleteSession, hibernateSession, wakeSession } from './api/endpoints';
import type { Session } from './api/types';

/** Runs a lifecycle action; returns the session as the server answered it. */
export async function runSessionAction(action: 'hibernate' | 'wake' | 'terminate', id: string): Promise<Session> {
  if (action === 'hibernate') return hibernateSession(id);
  if (action === 'wake') return wakeSession(id);
  return deleteSession(id);
}
