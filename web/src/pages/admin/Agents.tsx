import { useEffect, useState } from 'react';
import { approveAgent, listAgents, rejectAgent, rotateAgentKey, setAgentDraining } from '../../api/endpoints';
import type { Agent, AgentKeyIssued } from '../../api/types';
import { Badge, EmptyState, ErrorBanner, SecretBox, Spinner, formatDate } from '../../components/bits';
import { useConfirm } from '../../components/confirm';
import { Modal } from '../../components/Modal';
import { PageHeader } from '../../components/Layout';
import type { Tone } from '../../sessionStates';
import { useToast } from '../../toast';
import { useLoad } from '../../useLoad';

export function agentTone(status: Agent['status']): Tone {
  switch (status) {
    case 'online':
      return 'ok';
    case 'degraded':
    case 'pending':
    case 'draining':
      return 'busy';
    case 'offline':
      return 'muted';
    case 'rejected':
      return 'bad';
    default:
      return 'muted';
  }
}

export default function AgentsPage() {
  const { data, error, loading, reload } = useLoad(() => listAgents().then((r) => r.agents));
  const [issued, setIssued] = useState<AgentKeyIssued | null>(null);
  const [busy, setBusy] = useState('');
  const confirm = useConfirm();
  const toast = useToast();

  // Agents change by themselves (heartbeats): refresh the list now and then.
  useEffect(() => {
    const t = window.setInterval(() => void reload(), 10_000);
    return () => window.clearInterval(t);
  }, [reload]);

  const run = async (a: Agent, what: string, fn: () => Promise<unknown>) => {
    setBusy(`${what}-${a.agentId}`);
    try {
      await fn();
      void reload();
    } catch (e) {
      toast.error(e, `Could not ${what} ${a.agentId}`);
    } finally {
      setBusy('');
    }
  };

  const approve = (a: Agent) =>
    run(a, 'approve', async () => {
      setIssued(await approveAgent(a.agentId));
    });
  const reject = async (a: Agent) => {
    if (!(await confirm({ title: `Reject ${a.agentId}?`, message: <p>The agent will not be able to register again under this id.</p>, confirmLabel: 'Reject', danger: true }))) return;
    await run(a, 'reject', () => rejectAgent(a.agentId));
  };
  const rotate = async (a: Agent) => {
    if (!(await confirm({ title: `New key for ${a.agentId}?`, message: <p>The current key stops working at once and the agent disconnects until it uses the new key.</p>, confirmLabel: 'Rotate key', danger: true }))) return;
    await run(a, 'rotate the key of', async () => setIssued(await rotateAgentKey(a.agentId)));
  };

  const pending = (data ?? []).filter((a) => a.status === 'pending').length;

  return (
    <>
      <PageHeader title="Agents" subtitle={pending > 0 ? `${pending} agent${pending > 1 ? 's' : ''} waiting for approval.` : 'Hosts that run sessions.'} />
      {error && <ErrorBanner error={error} onRetry={reload} />}
      {loading && !data && <Spinner label="Loading agents…" />}
      {data && data.length === 0 && <EmptyState title="No agents" />}
      {data && data.length > 0 && (
        <div className="table-wrap">
          <table className="table" data-testid="agents-table">
            <thead>
              <tr>
                <th>Agent</th>
                <th>Status</th>
                <th>Sessions</th>
                <th className="hide-narrow">Capacity</th>
                <th className="hide-narrow">Last heartbeat</th>
                <th className="actions-col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {data.map((a) => (
                <tr key={a.id} data-testid={`agent-row-${a.agentId}`}>
                  <td>
                    <div className="cell-title">{a.agentId}</div>
                    <div className="muted small">
                      {a.platform}
                      {a.region ? ` · ${a.region}` : ''}
                      {a.version ? ` · v${a.version}` : ''}
                    </div>
                  </td>
                  <td>
                    <Badge tone={agentTone(a.status)} testId={`agent-status-${a.agentId}`}>
                      {a.status}
                    </Badge>
                    {a.approved && !a.connected && a.status !== 'rejected' && <div className="muted small">not connected</div>}
                  </td>
                  <td>
                    {a.activeSessions} / {a.capacity?.maxSessions ?? '—'}
                  </td>
                  <td className="hide-narrow small">
                    {a.capacity?.cpu || '—'} CPU · {a.capacity?.memory || '—'}
                  </td>
                  <td className="hide-narrow small">{a.lastHeartbeat ? formatDate(a.lastHeartbeat) : <span className="muted">never</span>}</td>
                  <td className="actions-col">
                    <div className="row-actions">
                      {a.status === 'pending' && (
                        <>
                          <button className="btn small primary" disabled={!!busy} onClick={() => approve(a)} data-testid={`agent-approve-${a.agentId}`}>
                            Approve
                          </button>
                          <button className="btn small danger-outline" disabled={!!busy} onClick={() => reject(a)} data-testid={`agent-reject-${a.agentId}`}>
                            Reject
                          </button>
                        </>
                      )}
                      {a.approved && a.status !== 'rejected' && (
                        <>
                          <button
                            className="btn small"
                            disabled={!!busy}
                            onClick={() => run(a, a.status === 'draining' ? 'resume' : 'drain', () => setAgentDraining(a.agentId, a.status !== 'draining'))}
                            data-testid={`agent-drain-${a.agentId}`}
                          >
                            {a.status === 'draining' ? 'Resume' : 'Drain'}
                          </button>
                          <button className="btn small" disabled={!!busy} onClick={() => rotate(a)} data-testid={`agent-rotate-${a.agentId}`}>
                            Rotate key
                          </button>
                        </>
                      )}
                    </div>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {issued && (
        <Modal
          title={`Key of ${issued.agent.agentId}`}
          onClose={() => setIssued(null)}
          testId="agent-key-dialog"
          footer={
            <button className="btn primary" onClick={() => setIssued(null)} data-testid="agent-key-done">
              I have stored it
            </button>
          }
        >
          <SecretBox label={issued.message} secret={issued.apiKey} testId="agent-key" />
          <p className="muted small">
            Start the agent with <code>STREAMSPACE_AGENT_KEY=…</code> set to this key.
          </p>
        </Modal>
      )}
    </>
  );
}
