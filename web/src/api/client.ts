// HTTP client of the StreamSpace API with in-memory access tokens.
//
// The access token lives only in this module (never in Web Storage). The refresh token is
// an HttpOnly SameSite=Strict cookie (`ss_refresh`, path /api/v1/auth) the server sets on
// login and refresh; the UI refreshes by cookie with the `X-StreamSpace-CSRF` header and
// ignores the refreshToken in response bodies.

import type { LoginResponse, User } from './types';

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly details?: unknown;
  constructor(status: number, code: string, message: string, details?: unknown) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

const FALLBACK_MESSAGES: Record<number, string> = {
  0: 'The server cannot be reached. Check your connection and try again.',
  400: 'The request was not accepted.',
  401: 'Your session has expired. Please sign in again.',
  403: 'You are not allowed to do this.',
  404: 'It does not exist (any more).',
  409: 'This conflicts with the current state. Refresh and try again.',
  413: 'What you sent is too large.',
  429: 'Too many requests. Wait a moment and try again.',
  500: 'The server had a problem. Try again later.',
  502: 'The server cannot be reached right now.',
  503: 'The service is unavailable right now. Try again in a moment.',
};

/** Builds an ApiError from a response status and its (possibly non-JSON) body text. */
export function errorFromResponse(status: number, bodyText: string, retryAfter?: string | null): ApiError {
  let code = status >= 500 ? 'internal_error' : 'error';
  let message = '';
  let details: unknown;
  try {
    const body = JSON.parse(bodyText) as { error?: unknown; message?: unknown; details?: unknown };
    if (body && typeof body === 'object') {
      if (typeof body.error === 'string') code = body.error;
      if (typeof body.message === 'string') message = body.message;
      details = body.details;
    }
  } catch {
    // not JSON (a proxy's HTML page, an empty body): fall back to plain words
  }
  if (!message) message = FALLBACK_MESSAGES[status] ?? FALLBACK_MESSAGES[status >= 500 ? 500 : 400];
  if (status === 429 && retryAfter) message += ` (retry in ${retryAfter} s)`;
  return new ApiError(status, code, message, details);
}

/** Plain words for any error thrown by the client (or anything else). */
export function describeError(err: unknown): string {
  if (err instanceof ApiError) return err.message;
  if (err instanceof Error && err.message) return err.message;
  return 'Something went wrong.';
}

export interface ClientDeps {
  fetch: typeof fetch;
  now: () => number;
  setTimeout: (fn: () => void, ms: number) => unknown;
  clearTimeout: (handle: unknown) => void;
}

export interface RequestOptions {
  method?: string;
  body?: unknown;
  query?: Record<string, string | number | boolean | undefined | null>;
  /** Do not try to refresh and retry on 401 (auth endpoints). */
  noRetry?: boolean;
  /** Send no Authorization header. */
  anonymous?: boolean;
  signal?: AbortSignal;
}

type AuthListener = (user: User | null) => void;

/** Refresh this long before the access token expires. */
export const REFRESH_MARGIN_MS = 60_000;

export class ApiClient {
  private token: string | null = null;
  private expiresAt = 0;
  private user: User | null = null;
  private refreshing: Promise<boolean> | null = null;
  private timer: unknown = null;
  private listeners = new Set<AuthListener>();
  private readonly deps: ClientDeps;

  constructor(deps?: Partial<ClientDeps>) {
    this.deps = {
      fetch: deps?.fetch ?? ((...a) => globalThis.fetch(...a)),
      now: deps?.now ?? (() => Date.now()),
      setTimeout: deps?.setTimeout ?? ((fn, ms) => globalThis.setTimeout(fn, ms)),
      clearTimeout: deps?.clearTimeout ?? ((h) => globalThis.clearTimeout(h as number)),
    };
  }

  get accessToken(): string | null {
    return this.token;
  }
  get currentUser(): User | null {
    return this.user;
  }
  get tokenExpiresAt(): number {
    return this.expiresAt;
  }

  onAuthChange(fn: AuthListener): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private emit() {
    for (const fn of this.listeners) fn(this.user);
  }

  /** Stores a login/refresh answer and schedules the next refresh. */
  private accept(res: LoginResponse) {
    this.token = res.token;
    const parsed = Date.parse(res.expiresAt);
    this.expiresAt = Number.isFinite(parsed) ? parsed : this.deps.now() + 15 * 60_000;
    this.user = res.user;
    this.schedule();
    this.emit();
  }

  private schedule() {
    if (this.timer !== null) this.deps.clearTimeout(this.timer);
    this.timer = null;
    if (!this.token) return;
    const delay = Math.max(5_000, this.expiresAt - this.deps.now() - REFRESH_MARGIN_MS);
    this.timer = this.deps.setTimeout(() => {
      this.timer = null;
      void this.refresh();
    }, delay);
  }

  /** Forgets the credentials locally (no server call). */
  clear() {
    const had = this.token !== null || this.user !== null;
    this.token = null;
    this.user = null;
    this.expiresAt = 0;
    if (this.timer !== null) this.deps.clearTimeout(this.timer);
    this.timer = null;
    if (had) this.emit();
  }

  /** Whether the token is missing or about to expire. */
  needsRefresh(): boolean {
    return !this.token || this.expiresAt - this.deps.now() < REFRESH_MARGIN_MS / 2;
  }

  /** A valid access token, refreshed first when it is (nearly) expired; null if signed out. */
  async freshToken(): Promise<string | null> {
    if (this.needsRefresh()) await this.refresh();
    return this.token;
  }

  /**
   * Trades the refresh cookie for a new access token. Concurrent callers share one request.
   * Resolves false (and clears the credentials) when the server refuses.
   */
  refresh(): Promise<boolean> {
    if (this.refreshing) return this.refreshing;
    this.refreshing = (async () => {
      try {
        const res = await this.deps.fetch('/api/v1/auth/refresh', {
          method: 'POST',
          credentials: 'same-origin',
          headers: { 'Content-Type': 'application/json', 'X-StreamSpace-CSRF': '1' },
          body: '{}',
        });
        if (!res.ok) {
          if (res.status === 401 || res.status === 403 || res.status === 400) this.clear();
          return false;
        }
        this.accept((await res.json()) as LoginResponse);
        return true;
      } catch {
        return false; // network error: keep what we have, callers see the failure
      } finally {
        this.refreshing = null;
      }
    })();
    return this.refreshing;
  }

  async login(username: string, password: string): Promise<User> {
    const res = await this.request<LoginResponse>('/api/v1/auth/login', {
      method: 'POST',
      body: { username, password },
      noRetry: true,
      anonymous: true,
    });
    this.accept(res);
    return res.user;
  }

  async logout(): Promise<void> {
    try {
      if (this.token) await this.request('/api/v1/auth/logout', { method: 'POST', body: {}, noRetry: true });
    } catch {
      // signed out locally anyway
    } finally {
      this.clear();
    }
  }

  /** Updates the stored user (after the user changed their own account). */
  setUser(user: User) {
    this.user = user;
    this.emit();
  }

  async request<T = unknown>(path: string, opts: RequestOptions = {}): Promise<T> {
    const url = path + queryString(opts.query);
    const send = async () => {
      const headers: Record<string, string> = { Accept: 'application/json' };
      if (opts.body !== undefined) headers['Content-Type'] = 'application/json';
      if (!opts.anonymous && this.token) headers.Authorization = `Bearer ${this.token}`;
      try {
        return await this.deps.fetch(url, {
          method: opts.method ?? 'GET',
          headers,
          credentials: 'same-origin',
          body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
          signal: opts.signal,
        });
      } catch (e) {
        if (e instanceof Error && e.name === 'AbortError') throw e;
        throw new ApiError(0, 'network_error', FALLBACK_MESSAGES[0]);
      }
    };
    if (!opts.anonymous && !opts.noRetry && this.needsRefresh() && this.token) await this.refresh();
    let res = await send();
    if (res.status === 401 && !opts.noRetry && !opts.anonymous) {
      if (await this.refresh()) res = await send();
      else this.clear();
    }
    const text = await res.text();
    if (!res.ok) throw errorFromResponse(res.status, text, res.headers.get('Retry-After'));
    if (!text) return undefined as T;
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new ApiError(res.status, 'bad_response', 'The server sent an answer the UI cannot read.');
    }
  }
}

export function queryString(q?: RequestOptions['query']): string {
  if (!q) return '';
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) {
    if (v === undefined || v === null || v === '') continue;
    p.set(k, String(v));
  }
  const s = p.toString();
  return s ? `?${s}` : '';
}

export const api = new ApiClient();
