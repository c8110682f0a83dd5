import { describe, expect, it, vi } from 'vitest';
import { ApiClient, ApiError, describeError, errorFromResponse, queryString } from './client';

const user = { id: 'u1', username: 'admin', email: 'a@x', fullName: 'Admin', role: 'admin' } as const;

function json(status: number, body: unknown, headers: Record<string, string> = {}) {
  return new Response(body === undefined ? '' : JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json', ...headers } });
}

function login(token: string, inMs = 15 * 60_000, now = 1_000_000) {
  return { token, refreshToken: 'ignored', expiresAt: new Date(now + inMs).toISOString(), user };
}

function makeClient(fetchImpl: (url: string, init: RequestInit) => Promise<Response>, now = 1_000_000) {
  const timers: { fn: () => void; ms: number }[] = [];
  const client = new ApiClient({
    fetch: fetchImpl as unknown as typeof fetch,
    now: () => now,
    setTimeout: (fn, ms) => {
      timers.push({ fn, ms });
      return timers.length;
    },
    clearTimeout: () => {},
  });
  return { client, timers };
}

describe('errorFromResponse', () => {
  it('uses the server message and code', () => {
    const e = errorFromResponse(409, JSON.stringify({ error: 'conflict', message: 'only a running session can be hibernated' }));
    expect(e).toBeInstanceOf(ApiError);
    expect(e.status).toBe(409);
    expect(e.code).toBe('conflict');
    expect(e.message).toBe('only a running session can be hibernated');
  });
  it('falls back to plain words for non-JSON bodies', () => {
    const e = errorFromResponse(502, '<html>Bad gateway</html>');
    expect(e.message).toMatch(/cannot be reached/);
    expect(e.code).toBe('internal_error');
    expect(errorFromResponse(503, '').message).toMatch(/unavailable/);
    expect(errorFromResponse(418, '').message).toBe('The request was not accepted.');
  });
  it('mentions Retry-After on 429', () => {
    expect(errorFromResponse(429, JSON.stringify({ error: 'rate_limited', message: 'too many requests' }), '7').message).toBe(
      'too many requests (retry in 7 s)',
    );
  });
  it('describeError gives words for anything', () => {
    expect(describeError(new ApiError(400, 'invalid_request', "field 'name': too short"))).toBe("field 'name': too short");
    expect(describeError(new Error('boom'))).toBe('boom');
    expect(describeError(42)).toBe('Something went wrong.');
  });
});

describe('queryString', () => {
  it('skips empty values and encodes', () => {
    expect(queryString({ a: 'x y', b: undefined, c: '', d: 0, e: true })).toBe('?a=x+y&d=0&e=true');
    expect(queryString({})).toBe('');
  });
});

describe('ApiClient', () => {
  it('logs in, keeps the token in memory and sends it as a bearer', async () => {
    const calls: [string, RequestInit][] = [];
    const { client, timers } = makeClient(async (url, init) => {
      calls.push([url, init]);
      if (url === '/api/v1/auth/login') return json(200, login('t1'));
      return json(200, { ok: true });
    });
    await client.login('admin', 'pw');
    expect(client.accessToken).toBe('t1');
    expect(client.currentUser?.username).toBe('admin');
    // Refresh scheduled a minute before expiry.
    expect(timers.at(-1)?.ms).toBe(14 * 60_000);
    await client.request('/api/v1/users/me');
    const headers = calls[1][1].headers as Record<string, string>;
    expect(headers.Authorization).toBe('Bearer t1');
    expect(calls[0][1].headers as Record<string, string>).not.toHaveProperty('Authorization');
  });

  it('refreshes by cookie with the CSRF header and an empty body', async () => {
    const calls: [string, RequestInit][] = [];
    const { client } = makeClient(async (url, init) => {
      calls.push([url, init]);
      return json(200, login('t2'));
    });
    expect(await client.refresh()).toBe(true);
    const [url, init] = calls[0];
    expect(url).toBe('/api/v1/auth/refresh');
    expect(init.method).toBe('POST');
    expect(init.body).toBe('{}');
    expect(init.credentials).toBe('same-origin');
    expect((init.headers as Record<string, string>)['X-StreamSpace-CSRF']).toBe('1');
    expect(client.accessToken).toBe('t2');
  });

  it('retries once after a 401 with a fresh token', async () => {
    let n = 0;
    const seen: string[] = [];
    const { client } = makeClient(async (url, init) => {
      if (url === '/api/v1/auth/login') return json(200, login('old'));
      if (url === '/api/v1/auth/refresh') return json(200, login('new'));
      seen.push((init.headers as Record<string, string>).Authorization);
      return n++ === 0 ? json(401, { error: 'unauthorized', message: 'token revoked' }) : json(200, { sessions: [] });
    });
    await client.login('admin', 'pw');
    const res = await client.request<{ sessions: unknown[] }>('/api/v1/sessions');
    expect(res.sessions).toEqual([]);
    expect(seen).toEqual(['Bearer old', 'Bearer new']);
  });

  it('signs out when the refresh is refused', async () => {
    const { client } = makeClient(async (url) => {
      if (url === '/api/v1/auth/login') return json(200, login('old'));
      if (url === '/api/v1/auth/refresh') return json(401, { error: 'unauthorized', message: 'invalid refresh token' });
      return json(401, { error: 'unauthorized', message: 'expired' });
    });
    const changes: unknown[] = [];
    client.onAuthChange((u) => changes.push(u));
    await client.login('admin', 'pw');
    await expect(client.request('/api/v1/sessions')).rejects.toMatchObject({ status: 401 });
    expect(client.accessToken).toBeNull();
    expect(changes.at(-1)).toBeNull();
  });

  it('shares one refresh between concurrent callers', async () => {
    let refreshes = 0;
    const { client } = makeClient(async (url) => {
      if (url === '/api/v1/auth/refresh') {
        refreshes++;
        await new Promise((r) => setTimeout(r, 5));
        return json(200, login('t'));
      }
      return json(200, {});
    });
    const results = await Promise.all([client.refresh(), client.refresh(), client.freshToken()]);
    expect(refreshes).toBe(1);
    expect(results).toEqual([true, true, 't']);
  });

  it('refreshes before a request when the token is about to expire', async () => {
    const urls: string[] = [];
    const { client } = makeClient(async (url) => {
      urls.push(url);
      if (url === '/api/v1/auth/login') return json(200, login('short', 10_000));
      if (url === '/api/v1/auth/refresh') return json(200, login('long'));
      return json(200, {});
    });
    await client.login('admin', 'pw');
    await client.request('/api/v1/templates');
    expect(urls).toEqual(['/api/v1/auth/login', '/api/v1/auth/refresh', '/api/v1/templates']);
  });

  it('the scheduled timer refreshes', async () => {
    const fetchMock = vi.fn(async (url: string) => (url.endsWith('/login') ? json(200, login('a')) : json(200, login('b'))));
    const { client, timers } = makeClient(fetchMock);
    await client.login('admin', 'pw');
    timers.at(-1)!.fn();
    await vi.waitFor(() => expect(client.accessToken).toBe('b'));
  });

  it('maps network failures and error bodies to ApiError', async () => {
    const { client } = makeClient(async (url) => {
      if (url === '/down') throw new TypeError('Failed to fetch');
      return json(400, { error: 'invalid_request', message: "field 'template': unknown template 'nope'" });
    });
    await expect(client.request('/down', { anonymous: true })).rejects.toMatchObject({ status: 0, code: 'network_error' });
    await expect(client.request('/bad', { anonymous: true })).rejects.toMatchObject({
      status: 400,
      message: "field 'template': unknown template 'nope'",
    });
  });

  it('logout calls the server and forgets the token even if that fails', async () => {
    const urls: string[] = [];
    const { client } = makeClient(async (url) => {
      urls.push(url);
      if (url.endsWith('/login')) return json(200, login('t'));
      throw new TypeError('offline');
    });
    await client.login('admin', 'pw');
    await client.logout();
    expect(urls).toContain('/api/v1/auth/logout');
    expect(client.accessToken).toBeNull();
    expect(client.currentUser).toBeNull();
  });
});
