// Shapes from api/openapi.yaml (components.schemas). Only the fields the UI uses are typed
// strictly; the rest are optional.

export type Role = 'user' | 'operator' | 'admin';

export interface User {
  id: string;
  username: string;
  email: string;
  fullName: string;
  role: Role;
  provider: 'local' | 'saml' | 'oidc';
  active: boolean;
  createdAt: string;
  updatedAt: string;
  lastLogin?: string;
}

export interface LoginResponse {
  token: string;
  refreshToken?: string;
  expiresAt: string;
  user: User;
}

export interface SetupStatus {
  setupRequired: boolean;
  adminExists: boolean;
  hasPassword: boolean;
  message: string;
}

export type SessionState =
  | 'pending'
  | 'starting'
  | 'running'
  | 'hibernating'
  | 'hibernated'
  | 'waking'
  | 'stopping'
  | 'stopped'
  | 'failed';

export interface Session {
  id: string;
  userId: string;
  user: string;
  template: string;
  templateId: string;
  state: SessionState;
  stateReason?: string;
  agent?: string;
  agentStatus?: string;
  tags: string[];
  resources: { cpu: string; memory: string };
  idleTimeout: number;
  protocol: 'vnc' | 'http';
  createdAt: string;
  updatedAt: string;
  startedAt?: string;
  hibernatedAt?: string;
  stoppedAt?: string;
  lastActivity?: string;
}

export interface ConnectResponse {
  url: string;
  path: string;
  token: string;
  protocol: 'vnc' | 'http';
  expiresAt: string;
  state: SessionState;
}

export interface Template {
  id: string;
  name: string;
  displayName: string;
  description: string;
  category: string;
  tags: string[];
  icon: string;
  appType: 'desktop' | 'webapp';
  command: string[];
  image: string;
  protocol: 'vnc' | 'http';
  httpPort: number;
  httpPath: string;
  resources: { cpu: string; memory: string };
  env: Record<string, string>;
  idleTimeout: number;
  persistentHome: boolean;
  builtin: boolean;
  enabled: boolean;
  createdAt: string;
  updatedAt: string;
}

export interface APIKey {
  id: string;
  keyPrefix: string;
  name: string;
  description?: string;
  userId: string;
  scopes?: string[];
  rateLimit: number;
  useCount: number;
  isActive: boolean;
  expiresAt?: string;
  lastUsedAt?: string;
  createdAt: string;
}

export interface APIKeyCreated {
  key: string;
  apiKey: APIKey;
  message: string;
}

export type GroupType = 'team' | 'department' | 'project';
export type MemberRole = 'member' | 'admin' | 'owner';

export interface Group {
  id: string;
  name: string;
  displayName: string;
  description: string;
  type: GroupType;
  parentId?: string;
  memberCount: number;
  createdAt: string;
  updatedAt: string;
}

export interface GroupMember {
  userId: string;
  username: string;
  email: string;
  fullName: string;
  role: MemberRole;
  joinedAt: string;
}

export type AgentStatus = 'pending' | 'online' | 'degraded' | 'offline' | 'draining' | 'rejected';

export interface Agent {
  id: string;
  agentId: string;
  platform: string;
  region?: string;
  status: AgentStatus;
  approved: boolean;
  connected: boolean;
  capacity: { maxSessions: number; cpu: string; memory: string; storage?: string };
  activeSessions: number;
  metadata: Record<string, unknown>;
  version?: string;
  lastHeartbeat?: string;
  createdAt: string;
  updatedAt: string;
  hasKey: boolean;
}

export interface AgentKeyIssued {
  agent: Agent;
  apiKey: string;
  message: string;
}

export interface Paged {
  total: number;
  page?: number;
  page_size?: number;
}

export interface HubMessage {
  type: string;
  event?: string;
  sessionId?: string;
  userId?: string;
  data?: unknown;
  timestamp?: string;
  message?: string;
}
