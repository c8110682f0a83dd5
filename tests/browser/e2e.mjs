#!/usr/bin/env node
// Browser end-to-end test of the StreamSpace web UI against a real `streamspace serve`.
//
//   STREAMSPACE_BIN=build/dev/bin/streamspace STREAMSPACE_WEB_DIR=build/dev/share/streamspace/web \
//     node tests/browser/e2e.mjs
//
// Env: STREAMSPACE_BIN (required), STREAMSPACE_WEB_DIR (required; the SPA is in its app/),
// CHROMIUM (default /usr/bin/chromium), ARTIFACTS_DIR (screenshots; default
// tests/browser/artifacts), E2E_HEADFUL=1 to watch.
//
// Scenario: setup wizard -> catalog -> launch terminal -> the viewer shows the desktop and
// takes keyboard input -> My sessions: hibernate and wake, live -> the viewer again -> API
// key -> admin: a second user, a pending agent approved -> sign out; the second user sees
// none of the admin's sessions.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '../..');
// playwright-core is a dev dependency of web/.
const require = createRequire(join(repo, 'web', 'package.json'));
const { chromium } = require('playwright-core');

const BIN = process.env.STREAMSPACE_BIN;
const WEB_DIR = process.env.STREAMSPACE_WEB_DIR;
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const ARTIFACTS = resolve(process.env.ARTIFACTS_DIR || join(here, 'artifacts'));
const STATE_TIMEOUT = 60_000; // generous: states move when the agent reports back
const ADMIN_PASSWORD = 'e2e-correct-horse-battery';
const USER2 = { username: 'e2e-alice', password: 'alice-password-12345', email: 'alice@example.com', fullName: 'Alice Example' };

function fail(msg) {
  throw new Error(msg);
}
if (!BIN || !existsSync(BIN)) fail(`STREAMSPACE_BIN must name the streamspace binary (got ${BIN ?? 'nothing'})`);
if (!WEB_DIR || !existsSync(join(WEB_DIR, 'app', 'index.html')))
  fail(`STREAMSPACE_WEB_DIR must hold the built SPA in app/ (got ${WEB_DIR ?? 'nothing'})`);
if (!existsSync(CHROMIUM)) fail(`no Chromium at ${CHROMIUM} (set CHROMIUM)`);
mkdirSync(ARTIFACTS, { recursive: true });
for (const f of readdirSync(ARTIFACTS)) if (f.endsWith('.png')) rmSync(join(ARTIFACTS, f)); // this run's only

const log = (...a) => console.log(`[e2e ${new Date().toISOString().slice(11, 19)}]`, ...a);

// ---------------------------------------------------------------------------------------
// Server
function startServer(dataDir) {
  return new Promise((resolvePort, reject) => {
    const child = spawn(
      BIN,
      ['serve', '--listen', '127.0.0.1:0', '--data-dir', dataDir, '--web-dir', WEB_DIR, '--rate-limit', '0'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const logLines = [];
    let done = false;
    const timer = setTimeout(() => {
      if (!done) reject(new Error(`server did not report "listening" within 30 s:\n${logLines.slice(-20).join('\n')}`));
    }, 30_000);
    const onData = (buf) => {
      for (const line of buf.toString().split('\n')) {
        if (!line.trim()) continue;
        logLines.push(line);
        if (logLines.length > 2000) logLines.shift();
        if (!done && line.includes('listening')) {
          const m = /address=\[?([0-9a-fA-F.:]+?)\]?:(\d+)/.exec(line);
          if (m) {
            done = true;
            clearTimeout(timer);
            resolvePort({ child, port: Number(m[2]), logLines });
          }
        }
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code, sig) => {
      if (!done) {
        done = true;
        clearTimeout(timer);
        reject(new Error(`server exited (${code ?? sig}) before listening:\n${logLines.slice(-20).join('\n')}`));
      }
    });
  });
}

async function stopServer(child) {
  if (!child || child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(t);
}

// ---------------------------------------------------------------------------------------
// Helpers
let shot = 0;
async function screenshot(page, name) {
  const file = join(ARTIFACTS, `${String(++shot).padStart(2, '0')}-${name}.png`);
  await page.screenshot({ path: file });
  log('screenshot', file);
}

/** Statistics of the noVNC canvas: distinct colours among samples, and a hash. */
async function canvasStats(page) {
  return page.evaluate(() => {
    const canvas = document.querySelector('[data-testid="viewer-screen"] canvas');
    if (!canvas || !canvas.width || !canvas.height) return { ok: false, colours: 0, hash: '' };
    const ctx = canvas.getContext('2d');
    const { data } = ctx.getImageData(0, 0, canvas.width, canvas.height);
    const colours = new Set();
    let h = 2166136261;
    for (let i = 0; i < data.length; i += 4) {
      const v = (data[i] << 16) | (data[i + 1] << 8) | data[i + 2];
      if (colours.size < 64) colours.add(v);
      h = Math.imul(h ^ v, 16777619) >>> 0;
    }
    return { ok: true, colours: colours.size, hash: h.toString(16), w: canvas.width, h: canvas.height };
  });
}

async function waitFor(what, fn, timeout = STATE_TIMEOUT, interval = 250) {
  const end = Date.now() + timeout;
  let last;
  for (;;) {
    try {
      last = await fn();
      if (last) return last;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) fail(`timed out after ${timeout / 1000} s waiting for ${what}${last instanceof Error ? `: ${last.message}` : ''}`);
    await new Promise((r) => setTimeout(r, interval));
  }
}

async function waitForDesktop(page) {
  await page.waitForSelector('[data-testid="viewer-screen"] canvas', { timeout: STATE_TIMEOUT });
  await page.waitForSelector('[data-testid="viewer-overlay"]', { state: 'detached', timeout: STATE_TIMEOUT });
  return waitFor('a non-uniform desktop on the canvas', async () => {
    const s = await canvasStats(page);
    return s.ok && s.colours > 1 ? s : null;
  });
}

async function typeAndExpectChange(page, text) {
  const before = await canvasStats(page);
  const box = await page.locator('[data-testid="viewer-screen"] canvas').boundingBox();
  if (!box) fail('the canvas has no box');
  await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
  await page.waitForTimeout(300);
  await page.keyboard.type(text, { delay: 40 });
  await page.keyboard.press('Enter');
  await waitFor(`the canvas to change after typing "${text}"`, async () => {
    const s = await canvasStats(page);
    return s.ok && s.hash !== before.hash ? s : null;
  }, 20_000);
}

async function waitState(page, id, state) {
  await page.waitForSelector(`[data-testid="session-state-${id}"][data-state="${state}"]`, { timeout: STATE_TIMEOUT });
}

// ---------------------------------------------------------------------------------------
async function main() {
  const dataDir = mkdtempSync(join(tmpdir(), 'ss-e2e-'));
  let server;
  let browser;
  const problems = [];
  try {
    server = await startServer(dataDir);
    const base = `http://127.0.0.1:${server.port}`;
    log('server at', base);

    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: !process.env.E2E_HEADFUL,
      args: ['--no-sandbox', '--disable-dev-shm-usage'],
    });
    const ctx = await browser.newContext({ viewport: { width: 1366, height: 768 } });
    // Record the page's WebSockets, so the test can cut links the way a network drop would.
    await ctx.addInitScript(() => {
      const Orig = window.WebSocket;
      window.__sockets = [];
      // A plain function returning a real WebSocket (noVNC inspects the prototype).
      function Recorded(...args) {
        const ws = new Orig(...args);
        window.__sockets.push(ws);
        return ws;
      }
      Recorded.prototype = Orig.prototype;
      Object.assign(Recorded, { CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3 });
      window.WebSocket = Recorded;
    });
    const page = await ctx.newPage();
    const watch = (p, who) => {
      p.on('console', (m) => {
        const t = m.text();
        if (/Content Security Policy|Refused to/.test(t)) problems.push(`${who}: ${t}`);
        if (m.type() === 'error') log(`${who} console error:`, t);
      });
      p.on('pageerror', (e) => problems.push(`${who}: uncaught ${e.message}`));
    };
    watch(page, 'admin');
    page.setDefaultTimeout(30_000);

    // 1. Setup wizard
    await page.goto(`${base}/`);
    await page.waitForURL('**/setup');
    await screenshot(page, 'setup');
    await page.fill('[data-testid="setup-email"]', 'admin@example.com');
    await page.fill('[data-testid="setup-password"]', ADMIN_PASSWORD);
    await page.fill('[data-testid="setup-password-confirm"]', ADMIN_PASSWORD);
    await page.click('[data-testid="setup-submit"]');
    await page.waitForURL('**/catalog');
    log('setup done, signed in as admin');

    // 2. Catalog
    await page.waitForSelector('[data-testid="catalog-card-terminal"]');
    await page.waitForSelector('[data-testid="catalog-card-firefox"]');
    await screenshot(page, 'catalog');
    await page.fill('[data-testid="catalog-search"]', 'term');
    await waitFor('the search to leave only terminal', async () => (await page.locator('[data-testid^="catalog-card-"]').count()) === 1);
    await page.fill('[data-testid="catalog-search"]', '');
    await page.waitForSelector('[data-testid="catalog-card-firefox"]');

    // 3. Launch terminal -> viewer
    await page.click('[data-testid="launch-terminal"]');
    await page.waitForURL(/\/sessions\/[^/]+$/);
    const sessionId = page.url().split('/').pop();
    log('session', sessionId);
    await page.waitForSelector('[data-testid="viewer-state"]');
    await screenshot(page, 'viewer-starting');
    const desk = await waitForDesktop(page);
    log(`desktop ${desk.w}x${desk.h}, ${desk.colours} colours`);
    await page.waitForTimeout(1500); // let xterm finish drawing its prompt
    await screenshot(page, 'viewer-running');
    await typeAndExpectChange(page, 'echo hello > e2e.txt && ls');
    await page.waitForTimeout(500);
    await screenshot(page, 'viewer-typed');

    // The VNC link drops: "Reconnecting…", then the desktop again through a fresh /connect.
    await page.evaluate(() => {
      for (const ws of window.__sockets) if (ws.url.includes('/vnc') && ws.readyState === 1) ws.close();
    });
    await page.waitForSelector('[data-testid="viewer-reconnecting"]', { timeout: 10_000 });
    await screenshot(page, 'viewer-reconnecting');
    await waitForDesktop(page);
    log('viewer reconnected');

    // Clipboard panel opens and sends
    await page.click('[data-testid="clipboard-toggle"]');
    await page.fill('[data-testid="clipboard-text"]', 'from-e2e');
    await page.click('[data-testid="clipboard-send"]');
    await page.waitForSelector('[data-testid="toast-success"]');
    await screenshot(page, 'viewer-clipboard');
    await page.click('[data-testid="clipboard-toggle"]');

    // 4. My sessions: hibernate and wake without reloading
    await page.click('[data-testid="viewer-back"]');
    await page.waitForURL('**/sessions');
    await page.waitForSelector(`[data-testid="session-row-${sessionId}"]`);
    await waitState(page, sessionId, 'running');
    await screenshot(page, 'sessions-running');
    const marker = await page.evaluate(() => (window.__e2eNoReload = Math.random()));
    await page.click(`[data-testid="hibernate-${sessionId}"]`);
    await waitState(page, sessionId, 'hibernated');
    log('hibernated (live)');
    await screenshot(page, 'sessions-hibernated');
    await page.click(`[data-testid="wake-${sessionId}"]`);
    await waitState(page, sessionId, 'running');
    log('woken (live)');
    if ((await page.evaluate(() => window.__e2eNoReload)) !== marker) fail('the page reloaded while following the states');
    await screenshot(page, 'sessions-woken');

    // The event hub drops: the page says so, polls, and reconnects by itself.
    await page.evaluate(() => {
      for (const ws of window.__sockets) if (ws.url.includes('/ws/sessions') && ws.readyState === 1) ws.close();
    });
    await page.waitForSelector('[data-testid="hub-offline"]', { timeout: 10_000 });
    await page.waitForSelector('[data-testid="hub-offline"]', { state: 'detached', timeout: STATE_TIMEOUT });
    log('event hub reconnected');

    // Theme toggle (remembered across reloads).
    const themeBefore = await page.evaluate(() => document.documentElement.dataset.theme);
    await page.click('[data-testid="theme-toggle"]');
    const themeAfter = await page.evaluate(() => document.documentElement.dataset.theme);
    if (themeAfter === themeBefore) fail('the theme toggle did nothing');
    await screenshot(page, `sessions-${themeAfter}`);
    await page.click('[data-testid="theme-toggle"]');

    // 5. Viewer again
    await page.click(`[data-testid="open-${sessionId}"]`);
    await page.waitForURL(`**/sessions/${sessionId}`);
    await waitForDesktop(page);
    await page.waitForTimeout(1500);
    await typeAndExpectChange(page, 'ls');
    await page.waitForTimeout(500);
    await screenshot(page, 'viewer-after-wake');
    await page.click('[data-testid="viewer-back"]');

    // 6. API key
    await page.click('[data-testid="nav-apikeys"]');
    await page.click('[data-testid="apikey-create"]');
    await page.fill('[data-testid="apikey-name"]', 'e2e-key');
    await page.click('[data-testid="apikey-create-submit"]');
    const key = await page.textContent('[data-testid="apikey-secret"]');
    if (!key || !key.startsWith('sk_')) fail(`the new API key is not shown (got ${key})`);
    await screenshot(page, 'apikey-created');
    await page.click('[data-testid="apikey-created-done"]');
    await page.waitForSelector('[data-testid="apikey-row-e2e-key"]');
    await screenshot(page, 'apikeys');

    // 7. Admin: a second user
    await page.click('[data-testid="nav-admin-users"]');
    await page.waitForSelector('[data-testid="user-row-admin"]');
    await page.click('[data-testid="user-create"]');
    await page.fill('[data-testid="user-username"]', USER2.username);
    await page.fill('[data-testid="user-fullname"]', USER2.fullName);
    await page.fill('[data-testid="user-email"]', USER2.email);
    await page.fill('[data-testid="user-password"]', USER2.password);
    await page.click('[data-testid="user-save"]');
    await page.waitForSelector(`[data-testid="user-row-${USER2.username}"]`);
    await screenshot(page, 'admin-users');

    await page.click('[data-testid="nav-admin-groups"]');
    await page.waitForSelector('h1:has-text("Groups")');
    await screenshot(page, 'admin-groups');
    await page.click('[data-testid="nav-admin-templates"]');
    await page.waitForSelector('[data-testid="template-row-terminal"]');
    await screenshot(page, 'admin-templates');

    // 8. Admin: approve a pending agent
    const reg = await fetch(`${base}/api/v1/agents/register`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ agentId: 'e2e-agent', platform: 'local', capacity: { maxSessions: 3, cpu: '2', memory: '4Gi' } }),
    });
    if (reg.status !== 201) fail(`agent register answered ${reg.status}: ${await reg.text()}`);
    await page.click('[data-testid="nav-admin-agents"]');
    await page.waitForSelector('[data-testid="agent-status-e2e-agent"]:has-text("pending")');
    await screenshot(page, 'admin-agents-pending');
    await page.click('[data-testid="agent-approve-e2e-agent"]');
    const agentKey = await page.textContent('[data-testid="agent-key"]');
    if (!agentKey || agentKey.length < 10) fail('the agent key is not shown after approval');
    await screenshot(page, 'admin-agent-key');
    await page.click('[data-testid="agent-key-done"]');
    await waitFor('the agent to leave pending', async () => {
      const t = await page.textContent('[data-testid="agent-status-e2e-agent"]');
      return t && t.trim() !== 'pending';
    });
    await screenshot(page, 'admin-agents-approved');

    // 9. Sign out
    await page.click('[data-testid="user-menu"]');
    await page.click('[data-testid="logout"]');
    await page.waitForURL('**/login');
    await screenshot(page, 'login');
    // The refresh cookie is gone too: a reload stays signed out.
    await page.goto(`${base}/sessions`);
    await page.waitForURL('**/login');

    // 10. The second user does not see the admin's session
    const ctx2 = await browser.newContext({ viewport: { width: 768, height: 1024 } });
    const page2 = await ctx2.newPage();
    watch(page2, 'alice');
    await page2.goto(`${base}/login`);
    await page2.fill('[data-testid="login-username"]', USER2.username);
    await page2.fill('[data-testid="login-password"]', USER2.password);
    await page2.click('[data-testid="login-submit"]');
    await page2.waitForURL('**/catalog');
    await page2.waitForSelector('[data-testid="catalog-card-terminal"]');
    if (await page2.locator('[data-testid="nav-admin-users"]').count()) fail('a plain user sees the admin links');
    await screenshot(page2, 'user2-catalog-tablet');
    await page2.goto(`${base}/sessions`);
    await page2.waitForSelector('h3:has-text("No sessions")');
    if (await page2.locator(`[data-testid="session-row-${sessionId}"]`).count()) fail("the second user sees the admin's session");
    await screenshot(page2, 'user2-sessions');
    await page2.goto(`${base}/sessions/${sessionId}`);
    await page2.waitForSelector('[data-testid="viewer-message"]');
    await screenshot(page2, 'user2-foreign-viewer');
    // The login survives a reload (refresh cookie).
    await page2.goto(`${base}/catalog`);
    await page2.waitForSelector('[data-testid="catalog-card-terminal"]');
    await ctx2.close();

    if (problems.length) fail(`browser problems:\n  ${problems.join('\n  ')}`);
    await ctx.close();
    log('PASS');
  } finally {
    if (browser) await browser.close().catch(() => {});
    if (server) await stopServer(server.child);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(`[e2e] FAIL: ${e && e.stack ? e.stack : e}`);
    process.exit(1);
  },
);
