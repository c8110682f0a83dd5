// The signed-in user's sessions, kept live by the event hub (REST snapshot on (re)connect,
// polling every 5 s only while the hub is down).
import { createContext, useCallback, useContext, useEffect, useRef, useState, type ReactNode } from 'react';
import { api } from './api/client';
import { listSessions } from './api/endpoints';
import type { HubMessage, Session } from './api/types';
import { EventHubClient, type HubStatus } from './hub/hub';
import { applyHubMessage, sortSessions, upsertSession } from './hub/reducer';

interface SessionsState {
  sessions: Session[];
  loaded: boolean;
  hubStatus: HubStatus;
  /** Puts a session from a REST answer into the list at once. */
  upsert: (s: Session) => void;
  reload: () => Promise<void>;
  /** Subscribes to every hub message (the viewer follows sessions of other users too). */
  subscribe: (fn: (msg: HubMessage) => void) => () => void;
}

const SessionsContext = createContext<SessionsState | null>(null);
export const POLL_INTERVAL_MS = 5_000;

export function SessionsProvider({ userId, children }: { userId: string; children: ReactNode }) {
  const [sessions, setSessions] = useState<Session[]>([]);
  const [loaded, setLoaded] = useState(false);
  const [hubStatus, setHubStatus] = useState<HubStatus>('connecting');
  const listeners = useRef(new Set<(msg: HubMessage) => void>());
  const opts = { userId };

  const reload = useCallback(async () => {
    try {
      const res = await listSessions({ user: userId });
      setSessions(sortSessions(res.sessions.filter((s) => s.userId === userId && s.state !== 'stopped')));
      setLoaded(true);
    } catch {
      /* shown by the pages that need it; polling retries */
    }
  }, [userId]);

  useEffect(() => {
    const hub = new EventHubClient({
      getToken: () => api.freshToken(),
      filters: { userId },
      onStatus: (s) => {
        setHubStatus(s);
        if (s === 'open') void reload(); // resync what was missed while disconnected
      },
      onMessage: (msg) => {
        setSessions((list) => applyHubMessage(list, msg, { userId }));
        for (const fn of listeners.current) fn(msg);
      },
    });
    hub.start();
    void reload();
    return () => hub.stop();
  }, [userId, reload]);

  useEffect(() => {
    if (hubStatus === 'open') return;
    const t = window.setInterval(() => void reload(), POLL_INTERVAL_MS);
    return () => window.clearInterval(t);
  }, [hubStatus, reload]);

  const upsert = useCallback((s: Session) => setSessions((list) => upsertSession(list, s, opts)), [userId]); // eslint-disable-line
  const subscribe = useCallback((fn: (msg: HubMessage) => void) => {
    listeners.current.add(fn);
    return () => {
      listeners.current.delete(fn);
    };
  }, []);

  return (
    <SessionsContext.Provider value={{ sessions, loaded, hubStatus, upsert, reload, subscribe }}>
      {children}
    </SessionsContext.Provider>
  );
}

export function useSessions(): SessionsState {
  const ctx = useContext(SessionsContext);
  if (!ctx) throw new Error('useSessions outside SessionsProvider');
  return ctx;
}
