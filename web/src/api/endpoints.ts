// One function per API operation the UI uses (paths and bodies from api/openapi.yaml).
import { api } from './client';
import type {
  Agent,
  AgentKeyIssued,
  APIKey,
  APIKeyCreated,
  ConnectResponse,
  Group,
  GroupMember,
  GroupType,
  MemberRole,
  Role,
  Session,
  SetupStatus,
  Template,
  User,
} from './types';

const enc = encodeURIComponent;

// Setup wizard
export const getSetupStatus = () =>
  api.request<SetupStatus>('/api/v1/auth/setup/status', { anonymous: true, noRetry: true });
export const completeSetup = (password: string, passwordConfirm: string, email: string) =>
  api.request<{ message: string; username: string; email: string }>('/api/v1/auth/setup', {
    method: 'POST',
    body: { password, passwordConfirm, email },
    anonymous: true,
    noRetry: true,
  });

// Templates
export interface TemplateQuery {
  search?: string;
  category?: string;
  enabled?: boolean;
}
export const listTemplates = (q: TemplateQuery = {}) =>
  api.request<{ templates: Template[]; total: number }>('/api/v1/templates', {
    query: { page_size: 1000, search: q.search, category: q.category, enabled: q.enabled },
  });
export const createTemplate = (t: Partial<Template>) =>
  api.request<Template>('/api/v1/templates', { method: 'POST', body: t });
export const updateTemplate = (id: string, t: Partial<Template>) =>
  api.request<Template>(`/api/v1/templates/${enc(id)}`, { method: 'PATCH', body: t });
export const deleteTemplate = (id: string) =>
  api.request(`/api/v1/templates/${enc(id)}`, { method: 'DELETE' });

// Sessions
export const listSessions = (q: { user?: string; all?: boolean } = {}) =>
  api.request<{ sessions: Session[]; total: number }>('/api/v1/sessions', {
    query: { page_size: 1000, user: q.user, all: q.all ? 'true' : undefined },
  });
export const getSession = (id: string) => api.request<Session>(`/api/v1/sessions/${enc(id)}`);
export const createSession = (template: string) =>
  api.request<Session>('/api/v1/sessions', { method: 'POST', body: { template } });
export const hibernateSession = (id: string) =>
  api.request<Session>(`/api/v1/sessions/${enc(id)}/hibernate`, { method: 'POST', body: {} });
export const wakeSession = (id: string) =>
  api.request<Session>(`/api/v1/sessions/${enc(id)}/wake`, { method: 'POST', body: {} });
export const deleteSession = (id: string) =>
  api.request<Session>(`/api/v1/sessions/${enc(id)}`, { method: 'DELETE' });
export const connectSession = (id: string) =>
  api.request<ConnectResponse>(`/api/v1/sessions/${enc(id)}/connect`);

// API keys
export const listApiKeys = () => api.request<{ apiKeys: APIKey[]; total: number }>('/api/v1/apikeys');
export const createApiKey = (body: { name: string; description?: string; scopes?: string[]; expiresIn?: string }) =>
  api.request<APIKeyCreated>('/api/v1/apikeys', { method: 'POST', body });
export const revokeApiKey = (id: string) =>
  api.request(`/api/v1/apikeys/${enc(id)}/revoke`, { method: 'POST', body: {} });
export const deleteApiKey = (id: string) => api.request(`/api/v1/apikeys/${enc(id)}`, { method: 'DELETE' });

// Users
export const listUsers = (search?: string) =>
  api.request<{ users: User[]; total: number }>('/api/v1/users', { query: { page_size: 1000, search } });
export interface UserInput {
  username?: string;
  email?: string;
  fullName?: string;
  password?: string;
  role?: Role;
  active?: boolean;
}
export const createUser = (u: UserInput) => api.request<User>('/api/v1/users', { method: 'POST', body: u });
export const updateUser = (id: string, u: UserInput) =>
  api.request<User>(`/api/v1/users/${enc(id)}`, { method: 'PATCH', body: u });
export const deleteUser = (id: string) => api.request(`/api/v1/users/${enc(id)}`, { method: 'DELETE' });

// Groups
export const listGroups = () =>
  api.request<{ groups: Group[]; total: number }>('/api/v1/groups', { query: { page_size: 1000 } });
export const createGroup = (g: { name: string; displayName: string; type: GroupType; description?: string }) =>
  api.request<Group>('/api/v1/groups', { method: 'POST', body: g });
export const deleteGroup = (id: string) => api.request(`/api/v1/groups/${enc(id)}`, { method: 'DELETE' });
export const listGroupMembers = (id: string) =>
  api.request<{ members: GroupMember[]; total: number }>(`/api/v1/groups/${enc(id)}/members`);
export const addGroupMember = (id: string, userId: string, role: MemberRole) =>
  api.request(`/api/v1/groups/${enc(id)}/members`, { method: 'POST', body: { userId, role } });
export const removeGroupMember = (id: string, userId: string) =>
  api.request(`/api/v1/groups/${enc(id)}/members/${enc(userId)}`, { method: 'DELETE' });

// Agents
export const listAgents = () => api.request<{ agents: Agent[]; total: number }>('/api/v1/agents');
export const approveAgent = (agentId: string) =>
  api.request<AgentKeyIssued>(`/api/v1/agents/${enc(agentId)}/approve`, { method: 'POST', body: {} });
export const rejectAgent = (agentId: string) =>
  api.request<Agent>(`/api/v1/agents/${enc(agentId)}/reject`, { method: 'POST', body: {} });
export const rotateAgentKey = (agentId: string) =>
  api.request<AgentKeyIssued>(`/api/v1/admin/agents/${enc(agentId)}/rotate-key`, { method: 'POST', body: {} });
export const setAgentDraining = (agentId: string, draining: boolean) =>
  api.request<Agent>(`/api/v1/agents/${enc(agentId)}`, { method: 'PATCH', body: { draining } });
