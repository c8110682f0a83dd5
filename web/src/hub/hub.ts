// Client of the event hub (`/api/v1/ws/sessions`): one WebSocket with the access token in
// the query, reconnecting with exponential backoff (a fresh token first), and a status
// callback so the UI can poll while it is down.
import type { HubMessage } from '../api/types';

export type HubStatus = 'connecting' | 'open' | 'closed';

export interface HubOptions {
  /** A valid access token, or null when signed out (the hub then stops). */
  getToken: () => Promise<string | null>;
  onMessage: (msg: HubMessage) => void;
  onStatus?: (status: HubStatus) => void;
  /** Query parameters of the initial filter (userId, eventTypes...). */
  filters?: Record<string, string>;
  path?: string;
  WebSocketImpl?: typeof WebSocket;
  location?: { protocol: string; host: string };
  random?: () => number;
  setTimeout?: (fn: () => void, ms: number) => unknown;
  clearTimeout?: (h: unknown) => void;
}

/** Delay before reconnect attempt number `attempt` (0-based): 1 s doubling to 30 s, ±20 % jitter. */
export function backoffDelay(attempt: number, random: () => number = Math.random): number {
  const base = Math.min(30_000, 1_000 * 2 ** Math.min(attempt, 10));
  return Math.round(base * (0.8 + 0.4 * random()));
}

export function hubUrl(loc: { protocol: string; host: string }, path: string, token: string, filters?: Record<string, string>): string {
  const scheme = loc.protocol === 'https:' ? 'wss' : 'ws';
  const q = new URLSearchParams({ token, ...(filters ?? {}) });
  return `${scheme}://${loc.host}${path}?${q.toString()}`;
}

export class EventHubClient {
  private ws: WebSocket | null = null;
  private attempt = 0;
  private timer: unknown = null;
  private stopped = true;
  private status: HubStatus = 'closed';
  private readonly o: Required<Omit<HubOptions, 'filters' | 'onStatus'>> & Pick<HubOptions, 'filters' | 'onStatus'>;

  constructor(opts: HubOptions) {
    this.o = {
      path: '/api/v1/ws/sessions',
      WebSocketImpl: globalThis.WebSocket,
      location: globalThis.location,
      random: Math.random,
      setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
      clearTimeout: (h) => globalThis.clearTimeout(h as number),
      ...opts,
    };
  }

  get currentStatus(): HubStatus {
    return this.status;
  }

  private setStatus(s: HubStatus) {
    if (s === this.status) return;
    this.status = s;
    this.o.onStatus?.(s);
  }

  start() {
    if (!this.stopped) return;
    this.stopped = false;
    void this.connect();
  }

  stop() {
    this.stopped = true;
    if (this.timer !== null) this.o.clearTimeout(this.timer);
    this.timer = null;
    const ws = this.ws;
    this.ws = null;
    if (ws) {
      ws.onclose = null;
      ws.onmessage = null;
      ws.onerror = null;
      try {
        ws.close(1000);
      } catch {
        /* already closed */
      }
    }
    this.setStatus('closed');
  }

  private scheduleReconnect() {
    if (this.stopped) return;
    const delay = backoffDelay(this.attempt++, this.o.random);
    this.timer = this.o.setTimeout(() => {
      this.timer = null;
      void this.connect();
    }, delay);
  }

  private async connect() {
    if (this.stopped) return;
    this.setStatus('connecting');
    let token: string | null = null;
    try {
      token = await this.o.getToken();
    } catch {
      token = null;
    }
    if (this.stopped) return;
    if (!token) {
      this.setStatus('closed');
      this.scheduleReconnect();
      return;
    }
    let ws: WebSocket;
    try {
      ws = new this.o.WebSocketImpl(hubUrl(this.o.location, this.o.path, token, this.o.filters));
    } catch {
      this.setStatus('closed');
      this.scheduleReconnect();
      return;
    }
    this.ws = ws;
    ws.onmessage = (ev: MessageEvent) => {
      let msg: HubMessage;
      try {
        msg = JSON.parse(typeof ev.data === 'string' ? ev.data : '') as HubMessage;
      } catch {
        return;
      }
      if (msg.type === 'welcome') {
        this.attempt = 0;
        this.setStatus('open');
      }
      this.o.onMessage(msg);
    };
    ws.onopen = () => {
      // The welcome message marks the hub as open; some servers may not send one.
      this.o.setTimeout(() => {
        if (this.ws === ws && ws.readyState === 1) {
          this.attempt = 0;
          this.setStatus('open');
        }
      }, 1_000);
    };
    ws.onclose = () => {
      if (this.ws !== ws) return;
      this.ws = null;
      this.setStatus('closed');
      this.scheduleReconnect();
    };
    ws.onerror = () => {
      /* onclose follows */
    };
  }
}
