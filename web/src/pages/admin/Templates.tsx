import { useState, type FormEvent } from 'react';
import { describeError } from '../../api/client';
import { createTemplate, deleteTemplate, listTemplates, updateTemplate } from '../../api/endpoints';
import type { Template } from '../../api/types';
import { Badge, ErrorBanner, Spinner, TemplateIcon } from '../../components/bits';
import { useConfirm } from '../../components/confirm';
import { FormFooter, Modal } from '../../components/Modal';
import { PageHeader } from '../../components/Layout';
import { useToast } from '../../toast';
import { useLoad } from '../../useLoad';

interface FormState {
  name: string;
  displayName: string;
  description: string;
  category: string;
  tags: string;
  icon: string;
  protocol: 'vnc' | 'http';
  command: string;
  image: string;
  httpPort: string;
  cpu: string;
  memory: string;
  idleTimeout: string;
  persistentHome: boolean;
  enabled: boolean;
}

function toForm(t: Template | null): FormState {
  return {
    name: t?.name ?? '',
    displayName: t?.displayName ?? '',
    description: t?.description ?? '',
    category: t?.category ?? '',
    tags: (t?.tags ?? []).join(', '),
    icon: t?.icon ?? '',
    protocol: t?.protocol ?? 'vnc',
    command: (t?.command ?? []).join('\n'),
    image: t?.image ?? '',
    httpPort: t?.httpPort ? String(t.httpPort) : '',
    cpu: t?.resources?.cpu ?? '',
    memory: t?.resources?.memory ?? '',
    idleTimeout: t?.idleTimeout ? String(t.idleTimeout) : '',
    persistentHome: t?.persistentHome ?? true,
    enabled: t?.enabled ?? true,
  };
}

/** The request body for a template form (only fields with a value). */
export function templateBody(f: FormState): Partial<Template> {
  const body: Partial<Template> & { resources?: { cpu?: string; memory?: string } } = {
    name: f.name.trim(),
    displayName: f.displayName.trim() || f.name.trim(),
    description: f.description.trim(),
    category: f.category.trim(),
    tags: f.tags.split(',').map((t) => t.trim()).filter(Boolean),
    icon: f.icon.trim(),
    protocol: f.protocol,
    appType: f.protocol === 'http' ? 'webapp' : 'desktop',
    command: f.command.split('\n').map((l) => l.trim()).filter(Boolean),
    image: f.image.trim(),
    persistentHome: f.persistentHome,
    enabled: f.enabled,
  };
  if (f.httpPort.trim()) body.httpPort = Number(f.httpPort);
  if (f.idleTimeout.trim()) body.idleTimeout = Number(f.idleTimeout);
  if (f.cpu.trim() || f.memory.trim()) {
    body.resources = {} as Template['resources'];
    if (f.cpu.trim()) body.resources.cpu = f.cpu.trim();
    if (f.memory.trim()) body.resources.memory = f.memory.trim();
  }
  return body;
}

function TemplateModal({ template, onClose, onSaved }: { template: Template | null; onClose: () => void; onSaved: () => void }) {
  const [f, setF] = useState<FormState>(toForm(template));
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const set = <K extends keyof FormState>(k: K, v: FormState[K]) => setF({ ...f, [k]: v });
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError('');
    try {
      const body = templateBody(f);
      if (template) {
        if (template.builtin) delete body.name;
        await updateTemplate(template.id, body);
      } else await createTemplate(body);
      onSaved();
    } catch (err) {
      setError(describeError(err));
      setBusy(false);
    }
  };
  const pickIcon = (file: File | undefined) => {
    if (!file) return;
    if (file.size > 256 * 1024) {
      setError('The icon is too large (256 KiB at most).');
      return;
    }
    const r = new FileReader();
    r.onload = () => set('icon', String(r.result));
    r.readAsDataURL(file);
  };
  return (
    <Modal
      wide
      title={template ? `Edit ${template.displayName}` : 'Create a template'}
      onClose={onClose}
      testId="template-dialog"
      footer={
        <FormFooter formId="template-form" busy={busy} label={template ? 'Save' : 'Create template'} busyLabel="Saving…" onCancel={onClose} testId="template-save" />
      }
    >
      <form id="template-form" className="form grid-2" onSubmit={submit}>
        <label>
          Name <span className="muted">(identifier)</span>
          <input data-testid="template-name" required value={f.name} disabled={template?.builtin} onChange={(e) => set('name', e.target.value)} placeholder="gimp" />
        </label>
        <label>
          Display name
          <input data-testid="template-displayname" value={f.displayName} onChange={(e) => set('displayName', e.target.value)} placeholder="GIMP" />
        </label>
        <label className="span-2">
          Description
          <input value={f.description} onChange={(e) => set('description', e.target.value)} />
        </label>
        <label>
          Category
          <input value={f.category} onChange={(e) => set('category', e.target.value)} placeholder="Graphics" />
        </label>
        <label>
          Tags <span className="muted">(comma-separated)</span>
          <input value={f.tags} onChange={(e) => set('tags', e.target.value)} />
        </label>
        <label>
          Protocol
          <select value={f.protocol} onChange={(e) => set('protocol', e.target.value as 'vnc' | 'http')}>
            <option value="vnc">Desktop (VNC)</option>
            <option value="http">Web app (HTTP)</option>
          </select>
        </label>
        {f.protocol === 'http' ? (
          <label>
            HTTP port
            <input type="number" min={1} max={65535} value={f.httpPort} onChange={(e) => set('httpPort', e.target.value)} />
          </label>
        ) : (
          <span />
        )}
        <label className="span-2">
          Command <span className="muted">(one argument per line; local platform)</span>
          <textarea data-testid="template-command" rows={3} value={f.command} onChange={(e) => set('command', e.target.value)} placeholder={'xterm\n-fa\nMonospace'} />
        </label>
        <label className="span-2">
          Image <span className="muted">(container platforms)</span>
          <input value={f.image} onChange={(e) => set('image', e.target.value)} />
        </label>
        <label>
          CPU
          <input value={f.cpu} onChange={(e) => set('cpu', e.target.value)} placeholder="1" />
        </label>
        <label>
          Memory
          <input value={f.memory} onChange={(e) => set('memory', e.target.value)} placeholder="2Gi" />
        </label>
        <label>
          Idle timeout <span className="muted">(seconds)</span>
          <input type="number" min={0} value={f.idleTimeout} onChange={(e) => set('idleTimeout', e.target.value)} />
        </label>
        <label>
          Icon
          <span className="icon-pick">
            <TemplateIcon icon={f.icon} name={f.displayName || f.name || '?'} size={36} />
            <input type="file" accept="image/png,image/svg+xml,image/jpeg,image/webp" onChange={(e) => pickIcon(e.target.files?.[0])} />
            {f.icon && (
              <button type="button" className="btn small ghost" onClick={() => set('icon', '')}>
                Remove
              </button>
            )}
          </span>
        </label>
        <label className="check">
          <input type="checkbox" checked={f.persistentHome} onChange={(e) => set('persistentHome', e.target.checked)} />
          Keep the home directory between sessions
        </label>
        <label className="check">
          <input type="checkbox" checked={f.enabled} onChange={(e) => set('enabled', e.target.checked)} data-testid="template-enabled" />
          Enabled (shown in the catalog)
        </label>
        {error && (
          <p className="form-error span-2" role="alert" data-testid="template-error">
            {error}
          </p>
        )}
      </form>
    </Modal>
  );
}

export default function TemplatesPage() {
  const { data, error, loading, reload } = useLoad(() => listTemplates().then((r) => r.templates));
  const [editing, setEditing] = useState<Template | null | undefined>(undefined);
  const confirm = useConfirm();
  const toast = useToast();

  const toggle = async (t: Template) => {
    try {
      await updateTemplate(t.id, { enabled: !t.enabled });
      toast.success(`${t.displayName} ${t.enabled ? 'disabled' : 'enabled'}.`);
      void reload();
    } catch (e) {
      toast.error(e, 'Could not change the template');
    }
  };
  const remove = async (t: Template) => {
    if (!(await confirm({ title: `Delete ${t.displayName}?`, message: <p>Templates used by any session cannot be deleted: disable them instead.</p>, confirmLabel: 'Delete', danger: true }))) return;
    try {
      await deleteTemplate(t.id);
      toast.success(`${t.displayName} deleted.`);
      void reload();
    } catch (e) {
      toast.error(e, 'Could not delete the template');
    }
  };

  return (
    <>
      <PageHeader
        title="Templates"
        subtitle="The apps of the catalog. Disabled templates are hidden from users."
        actions={
          <button className="btn primary" onClick={() => setEditing(null)} data-testid="template-create">
            Create template
          </button>
        }
      />
      {error && <ErrorBanner error={error} onRetry={reload} />}
      {loading && !data && <Spinner label="Loading templates…" />}
      {data && (
        <div className="table-wrap">
          <table className="table" data-testid="templates-table">
            <thead>
              <tr>
                <th>Template</th>
                <th className="hide-narrow">Category</th>
                <th className="hide-narrow">Runs</th>
                <th>Status</th>
                <th className="actions-col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {data.map((t) => (
                <tr key={t.id} data-testid={`template-row-${t.name}`}>
                  <td>
                    <div className="tpl-inline">
                      <TemplateIcon icon={t.icon} name={t.displayName || t.name} size={32} />
                      <div>
                        <div className="cell-title">
                          {t.displayName} {t.builtin && <span className="chip">built-in</span>}
                        </div>
                        <div className="muted small">{t.name}</div>
                      </div>
                    </div>
                  </td>
                  <td className="hide-narrow">{t.category || '—'}</td>
                  <td className="hide-narrow mono small">{t.image || t.command?.join(' ') || '—'}</td>
                  <td>
                    <Badge tone={t.enabled ? 'ok' : 'muted'} testId={`template-status-${t.name}`}>
                      {t.enabled ? 'Enabled' : 'Disabled'}
                    </Badge>
                  </td>
                  <td className="actions-col">
                    <div className="row-actions">
                      <button className="btn small" onClick={() => setEditing(t)} data-testid={`template-edit-${t.name}`}>
                        Edit
                      </button>
                      <button className="btn small" onClick={() => toggle(t)} data-testid={`template-toggle-${t.name}`}>
                        {t.enabled ? 'Disable' : 'Enable'}
                      </button>
                      {!t.builtin && (
                        <button className="btn small danger-outline" onClick={() => remove(t)} data-testid={`template-delete-${t.name}`}>
                          Delete
                        </button>
                      )}
                    </div>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {editing !== undefined && (
        <TemplateModal
          template={editing}
          onClose={() => setEditing(undefined)}
          onSaved={() => {
            toast.success(editing ? 'Template saved.' : 'Template created.');
            setEditing(undefined);
            void reload();
          }}
        />
      )}
    </>
  );
}
