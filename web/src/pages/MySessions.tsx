import { useEffect, useState } from 'react';
import { Link } from 'react-router-dom';
import type { Session } from '../api/types';
import { EmptyState, Spinner, StateBadge, formatDate } from '../components/bits';
import { useConfirm } from '../components/confirm';
import { PageHeader } from '../components/Layout';
import { runSessionAction } from '../sessionActions';
import { canDo, timeAgo, wakeLabel } from '../sessionStates';
import { useSessions } from '../sessions';
import { useToast } from '../toast';

function useNow(intervalMs: number) {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const t = window.setInterval(() => setNow(Date.now()), intervalMs);
    return () => window.clearInterval(t);
  }, [intervalMs]);
  return now;
}

export function SessionActions({ s, compact }: { s: Session; compact?: boolean }) {
  const { upsert } = useSessions();
  const confirm = useConfirm();
  const toast = useToast();
  const [busy, setBusy] = useState('');
  const act = async (action: 'hibernate' | 'wake' | 'terminate') => {
    if (action === 'terminate') {
      const ok = await confirm({
        title: 'Terminate this session?',
        message: (
          <p>
            The <strong>{s.template}</strong> session ends and its apps close.
          </p>
        ),
        confirmLabel: 'Terminate',
        danger: true,
      });
      if (!ok) return;
    }
    setBusy(action);
    try {
      upsert(await runSessionAction(action, s.id));
    } catch (e) {
      toast.error(e, `Could not ${action === 'wake' ? wakeLabel(s.state).toLowerCase() : action} the session`);
    } finally {
      setBusy('');
    }
  };
  return (
    <div className={`row-actions${compact ? ' compact' : ''}`}>
      {canDo(s.state, 'open') && (
        <Link className="btn small primary" to={`/sessions/${s.id}`} data-testid={`open-${s.id}`}>
          Open
        </Link>
      )}
      {canDo(s.state, 'hibernate') && (
        <button className="btn small" disabled={!!busy} onClick={() => act('hibernate')} data-testid={`hibernate-${s.id}`}>
          {busy === 'hibernate' ? 'Hibernating…' : 'Hibernate'}
        </button>
      )}
      {canDo(s.state, 'wake') && (
        <button className="btn small" disabled={!!busy} onClick={() => act('wake')} data-testid={`wake-${s.id}`}>
          {busy === 'wake' ? 'Waking…' : wakeLabel(s.state)}
        </button>
      )}
      {canDo(s.state, 'terminate') && (
        <button className="btn small danger-outline" disabled={!!busy} onClick={() => act('terminate')} data-testid={`terminate-${s.id}`}>
          Terminate
        </button>
      )}
    </div>
  );
}

export function MySessionsPage() {
  const { sessions, loaded } = useSessions();
  const now = useNow(30_000);
  return (
    <>
      <PageHeader
        title="My sessions"
        subtitle="Sessions update live. Hibernated sessions keep your work and wake in seconds."
        actions={
          <Link className="btn primary" to="/catalog">
            Launch an app
          </Link>
        }
      />
      {!loaded && <Spinner label="Loading sessions…" />}
      {loaded && sessions.length === 0 && (
        <EmptyState title="No sessions">
          <p className="muted">Launch an app from the catalog to start one.</p>
          <Link className="btn primary" to="/catalog">
            Open the catalog
          </Link>
        </EmptyState>
      )}
      {sessions.length > 0 && (
        <div className="table-wrap">
          <table className="table" data-testid="sessions-table">
            <thead>
              <tr>
                <th>App</th>
                <th>State</th>
                <th className="hide-narrow">Started</th>
                <th className="hide-narrow">Last activity</th>
                <th className="hide-narrow">Resources</th>
                <th className="actions-col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {sessions.map((s) => (
                <tr key={s.id} data-testid={`session-row-${s.id}`} data-template={s.template} data-state={s.state}>
                  <td>
                    <div className="cell-title">{s.template}</div>
                    <div className="muted small mono" title={s.id}>
                      {s.id.slice(0, 8)}
                    </div>
                  </td>
                  <td>
                    <StateBadge state={s.state} testId={`session-state-${s.id}`} />
                    {s.stateReason && <div className="muted small">{s.stateReason}</div>}
                  </td>
                  <td className="hide-narrow" title={formatDate(s.createdAt)}>
                    {timeAgo(s.startedAt ?? s.createdAt, now)}
                  </td>
                  <td className="hide-narrow">{timeAgo(s.lastActivity, now)}</td>
                  <td className="hide-narrow muted small">
                    {s.resources?.cpu} CPU · {s.resources?.memory}
                  </td>
                  <td className="actions-col">
                    <SessionActions s={s} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
