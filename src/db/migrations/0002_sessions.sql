-- Templates, agents and their command queue, sessions, session events.

CREATE TABLE templates (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  display_name TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  category TEXT NOT NULL DEFAULT '',
  tags TEXT NOT NULL DEFAULT '[]',
  icon TEXT NOT NULL DEFAULT '',
  app_type TEXT NOT NULL DEFAULT 'desktop',
  command TEXT NOT NULL DEFAULT '[]',
  image TEXT NOT NULL DEFAULT '',
  protocol TEXT NOT NULL DEFAULT 'vnc',
  http_port INTEGER NOT NULL DEFAULT 0,
  http_path TEXT NOT NULL DEFAULT '',
  cpu_millicores BIGINT NOT NULL DEFAULT 1000,
  memory_mib BIGINT NOT NULL DEFAULT 1024,
  env TEXT NOT NULL DEFAULT '{}',
  idle_timeout_s BIGINT NOT NULL DEFAULT 1800,
  persistent_home INTEGER NOT NULL DEFAULT 1,
  builtin INTEGER NOT NULL DEFAULT 0,
  enabled INTEGER NOT NULL DEFAULT 1,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);

-- agent_id is the name an agent gives itself; status: pending (awaiting approval),
-- online, degraded, offline, draining, rejected.
CREATE TABLE agents (
  id TEXT PRIMARY KEY,
  agent_id TEXT NOT NULL UNIQUE,
  platform TEXT NOT NULL,
  region TEXT NOT NULL DEFAULT '',
  status TEXT NOT NULL DEFAULT 'pending',
  approved INTEGER NOT NULL DEFAULT 0,
  max_sessions INTEGER NOT NULL DEFAULT 0,
  capacity TEXT NOT NULL DEFAULT '{}',
  active_sessions INTEGER NOT NULL DEFAULT 0,
  metadata TEXT NOT NULL DEFAULT '{}',
  version TEXT NOT NULL DEFAULT '',
  api_key_hash TEXT,
  api_key_created_at TEXT,
  api_key_last_used_at TEXT,
  last_heartbeat TEXT,
  connected_replica TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);

-- The command queue: a row exists before the command is sent; agents apply commands
-- idempotently by command_id. status: pending, sent, ack, completed, failed.
CREATE TABLE agent_commands (
  id TEXT PRIMARY KEY,
  command_id TEXT NOT NULL UNIQUE,
  agent_id TEXT NOT NULL REFERENCES agents (agent_id) ON DELETE CASCADE,
  session_id TEXT,
  action TEXT NOT NULL,
  payload TEXT NOT NULL DEFAULT '{}',
  status TEXT NOT NULL DEFAULT 'pending',
  result TEXT,
  error_message TEXT,
  attempts INTEGER NOT NULL DEFAULT 0,
  created_at TEXT NOT NULL,
  sent_at TEXT,
  acknowledged_at TEXT,
  completed_at TEXT
);
CREATE INDEX agent_commands_agent_status ON agent_commands (agent_id, status);
CREATE INDEX agent_commands_session ON agent_commands (session_id);

-- state: pending, starting, running, hibernating, hibernated, waking, stopping, stopped,
-- failed. agent_id is the agents.agent_id the session is placed on.
CREATE TABLE sessions (
  id TEXT PRIMARY KEY,
  user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  template_id TEXT NOT NULL REFERENCES templates (id),
  template_name TEXT NOT NULL,
  state TEXT NOT NULL,
  state_reason TEXT NOT NULL DEFAULT '',
  agent_id TEXT,
  tags TEXT NOT NULL DEFAULT '[]',
  cpu_millicores BIGINT NOT NULL,
  memory_mib BIGINT NOT NULL,
  idle_timeout_s BIGINT NOT NULL,
  protocol TEXT NOT NULL DEFAULT 'vnc',
  endpoint TEXT NOT NULL DEFAULT '{}',
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  started_at TEXT,
  hibernated_at TEXT,
  stopped_at TEXT,
  last_activity TEXT
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_state ON sessions (state);
CREATE INDEX sessions_agent ON sessions (agent_id);

-- Session activity (spec section 27). ts has millisecond precision.
CREATE TABLE session_events (
  id TEXT PRIMARY KEY,
  session_id TEXT NOT NULL,
  user_id TEXT,
  event_type TEXT NOT NULL,
  category TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  metadata TEXT NOT NULL DEFAULT '{}',
  ip_address TEXT NOT NULL DEFAULT '',
  user_agent TEXT NOT NULL DEFAULT '',
  ts TEXT NOT NULL
);
CREATE INDEX session_events_session_ts ON session_events (session_id, ts);
