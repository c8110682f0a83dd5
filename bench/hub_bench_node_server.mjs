// The reference side of sp_hub_bench: a minimal broadcast server on node's `ws` package (as
// the spec's hub broadcasts: every event to every open client with ws.send, no per-client
// queue limit, no filters, no authentication beyond taking the token). Same wire shape and the
// same stdin/stdout protocol as sp_hub_bench_server (see hub_bench_server.cpp):
//
//   node hub_bench_node_server.mjs PORT      (PORT 0 picks a free port; `npm ci` in bench/ first)
//
// "ready PORT", then commands on stdin: publish RATE COUNT SIZE -> "done COUNT SECONDS",
// rss -> "rss KIB", clients -> "clients N", now -> "now NS", quit. sentNs is process.hrtime.bigint(), which is
// CLOCK_MONOTONIC on Linux like std::chrono::steady_clock (libuv's uv_hrtime).
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { WebSocketServer } from 'ws';

const port = Number(process.argv[2] ?? 0);
const wss = new WebSocketServer({ host: '127.0.0.1', port, path: '/api/v1/ws/sessions' });
let nextClient = 0;

wss.on('connection', (ws, request) => {
  const url = new URL(request.url, 'http://localhost');
  const userId = url.searchParams.get('token') ?? '';
  const clientId = `${userId}-${Date.now()}${String(process.hrtime.bigint() % 1000000n)}-${++nextClient}`;
  ws.on('error', () => {});
  ws.on('message', () => {});  // the bench's clients send nothing
  ws.send(JSON.stringify({
    type: 'welcome',
    channel: 'sessions',
    clientId,
    userId,
    filters: { sessionIds: [], userId: '', teamId: '', eventTypes: [] },
    timestamp: rfc3339(),
  }));
});

function reply(line) {
  process.stdout.write(line + '\n');
}

function vmRssKib() {
  const m = /VmRSS:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) : -1;
}

// RFC 3339 in whole seconds, as FormatTime() writes it.
function rfc3339() {
  return new Date().toISOString().replace(/\.\d+Z$/, 'Z');
}

// dueNs: when event n was due by the schedule; sentNs: when it is sent (see the C++ server).
function publishOne(n, dueNs, pad) {
  const timestamp = rfc3339();
  const sentNs = process.hrtime.bigint();
  // JSON.stringify cannot take a BigInt: the numbers are written by hand, as the C++ side's
  // nlohmann::json writes an int64 (its keys sorted).
  const data = `{"dueNs":${dueNs},"pad":${JSON.stringify(pad)},"sentNs":${sentNs},"seq":${n}}`;
  const message = `{"data":${data},"event":"session.updated","timestamp":"${timestamp}","type":"update"}`;
  for (const ws of wss.clients) {
    if (ws.readyState === ws.OPEN) ws.send(message);
  }
}

// An absolute schedule, as on the C++ side: on each turn of the event loop every event that is
// due is published, so a late timer makes a burst rather than shifting the rest. RATE 0
// publishes everything in one go.
function publish(rate, count, size) {
  const pad = 'x'.repeat(size);
  const start = process.hrtime.bigint();
  let n = 0;
  const finish = () => reply(`done ${count} ${Number(process.hrtime.bigint() - start) / 1e9}`);
  if (rate <= 0) {
    for (; n < count; ++n) publishOne(n, start, pad);
    finish();
    return;
  }
  const tick = () => {
    const elapsed = Number(process.hrtime.bigint() - start) / 1e9;
    const dueCount = Math.min(count, Math.floor(elapsed * rate) + 1);
    for (; n < dueCount; ++n) publishOne(n, start + BigInt(Math.round((n / rate) * 1e9)), pad);
    if (n >= count) {
      finish();
      return;
    }
    const wait = ((n / rate) - (Number(process.hrtime.bigint() - start) / 1e9)) * 1000;
    setTimeout(tick, Math.max(0, wait));
  };
  tick();
}

const commands = createInterface({ input: process.stdin });
commands.on('line', (line) => {
  const [command, ...args] = line.trim().split(/\s+/);
  if (command === 'publish') {
    publish(Number(args[0]), Number(args[1]), Number(args[2]));
  } else if (command === 'rss') {
    reply(`rss ${vmRssKib()}`);
  } else if (command === 'clients') {
    reply(`clients ${wss.clients.size}`);
  } else if (command === 'now') {
    reply(`now ${process.hrtime.bigint()}`);
  } else if (command === 'quit') {
    process.exit(0);
  } else if (command) {
    reply(`error unknown command '${command}'`);
  }
});
commands.on('close', () => process.exit(0));
wss.on('listening', () => reply(`ready ${wss.address().port}`));
