import { useState, type FormEvent } from 'react';
import { describeError } from '../api/client';
import { createApiKey, deleteApiKey, listApiKeys, revokeApiKey } from '../api/endpoints';
import type { APIKey, APIKeyCreated } from '../api/types';
import { isAdmin, useAuth } from '../auth';
import { Badge, EmptyState, ErrorBanner, SecretBox, Spinner, formatDate } from '../components/bits';
import { useConfirm } from '../components/confirm';
import { FormFooter, Modal } from '../components/Modal';
import { PageHeader } from '../components/Layout';
import { useToast } from '../toast';
import { useLoad } from '../useLoad';

export const SCOPE_AREAS = ['sessions', 'templates', 'apikeys', 'users', 'groups', 'agents', 'auth'] as const;

/** Status of a key for its badge. */
export function keyStatus(k: APIKey, now = Date.now()): { label: string; tone: 'ok' | 'muted' | 'bad' } {
  if (!k.isActive) return { label: 'Revoked', tone: 'muted' };
  if (k.expiresAt && Date.parse(k.expiresAt) <= now) return { label: 'Expired', tone: 'bad' };
  return { label: 'Active', tone: 'ok' };
}

function CreateKeyModal({ onClose, onCreated }: { onClose: () => void; onCreated: (c: APIKeyCreated) => void }) {
  const { user } = useAuth();
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [expiresIn, setExpiresIn] = useState('90d');
  const [scopes, setScopes] = useState<Set<string>>(new Set(['sessions:write']));
  const [allRights, setAllRights] = useState(false);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const toggle = (s: string) => {
    const next = new Set(scopes);
    if (next.has(s)) next.delete(s);
    else next.add(s);
    setScopes(next);
  };
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!allRights && scopes.size === 0) {
      setError('Choose at least one scope, or give the key all of your rights.');
      return;
    }
    setBusy(true);
    setError('');
    try {
      onCreated(
        await createApiKey({
          name: name.trim(),
          description: description.trim() || undefined,
          scopes: allRights ? [] : [...scopes],
          expiresIn: expiresIn || undefined,
        }),
      );
    } catch (err) {
      setError(describeError(err));
      setBusy(false);
    }
  };
  return (
    <Modal
      title="Create an API key"
      onClose={onClose}
      testId="apikey-create-dialog"
      footer={
        <FormFooter formId="apikey-form" busy={busy} label="Create key" busyLabel="Creating…" onCancel={onClose} testId="apikey-create-submit" />
      }
    >
      <form id="apikey-form" className="form" onSubmit={submit}>
        <label>
          Name
          <input data-testid="apikey-name" required minLength={3} maxLength={100} value={name} onChange={(e) => setName(e.target.value)} placeholder="ci-script" />
        </label>
        <label>
          Description <span className="muted">(optional)</span>
          <input value={description} onChange={(e) => setDescription(e.target.value)} />
        </label>
        <label>
          Expires
          <select value={expiresIn} onChange={(e) => setExpiresIn(e.target.value)} data-testid="apikey-expires">
            <option value="30d">In 30 days</option>
            <option value="90d">In 90 days</option>
            <option value="1y">In a year</option>
            <option value="">Never</option>
          </select>
        </label>
        <fieldset className="scopes">
          <legend>Scopes</legend>
          <label className="check">
            <input type="checkbox" checked={allRights} onChange={(e) => setAllRights(e.target.checked)} data-testid="apikey-all-rights" />
            All of my rights (no scope restriction)
          </label>
          {!allRights && (
            <div className="scope-grid">
              {SCOPE_AREAS.map((area) => (
                <div className="scope-row" key={area}>
                  <span>{area}</span>
                  {(['read', 'write'] as const).map((lvl) => (
                    <label className="check" key={lvl}>
                      <input
                        type="checkbox"
                        checked={scopes.has(`${area}:${lvl}`)}
                        onChange={() => toggle(`${area}:${lvl}`)}
                        data-testid={`scope-${area}-${lvl}`}
                      />
                      {lvl}
                    </label>
                  ))}
                </div>
              ))}
              {isAdmin(user) && (
                <label className="check">
                  <input type="checkbox" checked={scopes.has('admin:all')} onChange={() => toggle('admin:all')} data-testid="scope-admin-all" />
                  admin:all (administration)
                </label>
              )}
            </div>
          )}
        </fieldset>
        {error && (
          <p className="form-error" role="alert">
            {error}
          </p>
        )}
      </form>
    </Modal>
  );
}

export default function ApiKeysPage() {
  const { data, error, loading, reload } = useLoad(() => listApiKeys().then((r) => r.apiKeys));
  const [creating, setCreating] = useState(false);
  const [created, setCreated] = useState<APIKeyCreated | null>(null);
  const confirm = useConfirm();
  const toast = useToast();

  const revoke = async (k: APIKey) => {
    if (!(await confirm({ title: `Revoke "${k.name}"?`, message: <p>Programs using this key lose access at once. This cannot be undone.</p>, confirmLabel: 'Revoke', danger: true }))) return;
    try {
      await revokeApiKey(k.id);
      toast.success(`Key "${k.name}" revoked.`);
      void reload();
    } catch (e) {
      toast.error(e, 'Could not revoke the key');
    }
  };
  const remove = async (k: APIKey) => {
    if (!(await confirm({ title: `Delete "${k.name}"?`, message: <p>The key disappears from the list and stops working.</p>, confirmLabel: 'Delete', danger: true }))) return;
    try {
      await deleteApiKey(k.id);
      toast.success(`Key "${k.name}" deleted.`);
      void reload();
    } catch (e) {
      toast.error(e, 'Could not delete the key');
    }
  };

  return (
    <>
      <PageHeader
        title="API keys"
        subtitle="Keys let scripts use the API as you. A key is shown only once, when it is created."
        actions={
          <button className="btn primary" onClick={() => setCreating(true)} data-testid="apikey-create">
            Create key
          </button>
        }
      />
      {error && <ErrorBanner error={error} onRetry={reload} />}
      {loading && !data && <Spinner label="Loading keys…" />}
      {data && data.length === 0 && (
        <EmptyState title="No API keys">
          <p className="muted">Create one to call the API from scripts (`Authorization: Bearer sk_…`).</p>
        </EmptyState>
      )}
      {data && data.length > 0 && (
        <div className="table-wrap">
          <table className="table" data-testid="apikeys-table">
            <thead>
              <tr>
                <th>Name</th>
                <th>Key</th>
                <th>Scopes</th>
                <th className="hide-narrow">Last used</th>
                <th className="hide-narrow">Expires</th>
                <th>Status</th>
                <th className="actions-col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {data.map((k) => {
                const st = keyStatus(k);
                return (
                  <tr key={k.id} data-testid={`apikey-row-${k.name}`}>
                    <td>
                      <div className="cell-title">{k.name}</div>
                      {k.description && <div className="muted small">{k.description}</div>}
                    </td>
                    <td className="mono small">{k.keyPrefix}…</td>
                    <td className="small">{k.scopes?.length ? k.scopes.join(', ') : <span className="muted">all rights</span>}</td>
                    <td className="hide-narrow small">{k.lastUsedAt ? formatDate(k.lastUsedAt) : <span className="muted">never</span>}</td>
                    <td className="hide-narrow small">{k.expiresAt ? formatDate(k.expiresAt) : <span className="muted">never</span>}</td>
                    <td>
                      <Badge tone={st.tone} testId={`apikey-status-${k.name}`}>
                        {st.label}
                      </Badge>
                    </td>
                    <td className="actions-col">
                      <div className="row-actions">
                        {k.isActive && (
                          <button className="btn small" onClick={() => revoke(k)} data-testid={`apikey-revoke-${k.name}`}>
                            Revoke
                          </button>
                        )}
                        <button className="btn small danger-outline" onClick={() => remove(k)} data-testid={`apikey-delete-${k.name}`}>
                          Delete
                        </button>
                      </div>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      {creating && (
        <CreateKeyModal
          onClose={() => setCreating(false)}
          onCreated={(c) => {
            setCreating(false);
            setCreated(c);
            void reload();
          }}
        />
      )}
      {created && (
        <Modal
          title="Your new API key"
          onClose={() => setCreated(null)}
          testId="apikey-created-dialog"
          footer={
            <button className="btn primary" onClick={() => setCreated(null)} data-testid="apikey-created-done">
              I have stored it
            </button>
          }
        >
          <SecretBox label="Copy this key now: it will not be shown again." secret={created.key} testId="apikey-secret" />
          <p className="muted small">Use it as <code>Authorization: Bearer {created.key.slice(0, 7)}…</code></p>
        </Modal>
      )}
    </>
  );
}
