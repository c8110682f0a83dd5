import { useState, type FormEvent } from 'react';
import { describeError } from '../../api/client';
import { createUser, deleteUser, listUsers, updateUser, type UserInput } from '../../api/endpoints';
import type { Role, User } from '../../api/types';
import { useAuth } from '../../auth';
import { Badge, ErrorBanner, Spinner, formatDate } from '../../components/bits';
import { useConfirm } from '../../components/confirm';
import { FormFooter, Modal } from '../../components/Modal';
import { PageHeader } from '../../components/Layout';
import { useToast } from '../../toast';
import { useLoad } from '../../useLoad';

const ROLES: Role[] = ['user', 'operator', 'admin'];

function UserModal({ user, onClose, onSaved }: { user: User | null; onClose: () => void; onSaved: () => void }) {
  const editing = !!user;
  const [form, setForm] = useState<UserInput>(
    user ? { email: user.email, fullName: user.fullName, role: user.role, active: user.active } : { username: '', email: '', fullName: '', password: '', role: 'user' },
  );
  const [password, setPassword] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const set = (k: keyof UserInput, v: unknown) => setForm({ ...form, [k]: v });
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError('');
    try {
      if (editing) await updateUser(user.id, { ...form, ...(password ? { password } : {}) });
      else await createUser({ ...form, username: form.username?.trim(), password: form.password || undefined });
      onSaved();
    } catch (err) {
      setError(describeError(err));
      setBusy(false);
    }
  };
  return (
    <Modal
      title={editing ? `Edit ${user.username}` : 'Create a user'}
      onClose={onClose}
      testId="user-dialog"
      footer={
        <FormFooter formId="user-form" busy={busy} label={editing ? 'Save' : 'Create user'} busyLabel="Saving…" onCancel={onClose} testId="user-save" />
      }
    >
      <form id="user-form" className="form" onSubmit={submit}>
        {!editing && (
          <label>
            Username
            <input data-testid="user-username" required value={form.username} onChange={(e) => set('username', e.target.value)} autoComplete="off" />
          </label>
        )}
        <label>
          Full name
          <input data-testid="user-fullname" required value={form.fullName} onChange={(e) => set('fullName', e.target.value)} />
        </label>
        <label>
          Email
          <input data-testid="user-email" type="email" required value={form.email} onChange={(e) => set('email', e.target.value)} />
        </label>
        <label>
          {editing ? 'New password (leave empty to keep it)' : 'Password'}
          <input
            data-testid="user-password"
            type="password"
            autoComplete="new-password"
            required={!editing}
            value={editing ? password : form.password}
            onChange={(e) => (editing ? setPassword(e.target.value) : set('password', e.target.value))}
          />
        </label>
        <label>
          Role
          <select data-testid="user-role" value={form.role} onChange={(e) => set('role', e.target.value as Role)}>
            {ROLES.map((r) => (
              <option key={r} value={r}>
                {r}
              </option>
            ))}
          </select>
        </label>
        {editing && (
          <label className="check">
            <input data-testid="user-active" type="checkbox" checked={!!form.active} onChange={(e) => set('active', e.target.checked)} />
            Active (may sign in)
          </label>
        )}
        {error && (
          <p className="form-error" role="alert" data-testid="user-error">
            {error}
          </p>
        )}
      </form>
    </Modal>
  );
}

export default function UsersPage() {
  const [search, setSearch] = useState('');
  const { data, error, loading, reload } = useLoad(() => listUsers(search.trim() || undefined).then((r) => r.users), [search]);
  const [editing, setEditing] = useState<User | null | undefined>(undefined);
  const { user: me } = useAuth();
  const confirm = useConfirm();
  const toast = useToast();

  const remove = async (u: User) => {
    if (!(await confirm({ title: `Delete ${u.username}?`, message: <p>The account, its API keys and its sessions are removed.</p>, confirmLabel: 'Delete', danger: true }))) return;
    try {
      await deleteUser(u.id);
      toast.success(`${u.username} deleted.`);
      void reload();
    } catch (e) {
      toast.error(e, 'Could not delete the user');
    }
  };

  return (
    <>
      <PageHeader
        title="Users"
        subtitle="Accounts that may sign in, and their roles."
        actions={
          <button className="btn primary" onClick={() => setEditing(null)} data-testid="user-create">
            Create user
          </button>
        }
      />
      <div className="toolbar">
        <input className="search" type="search" placeholder="Search users…" aria-label="Search users" value={search} onChange={(e) => setSearch(e.target.value)} />
      </div>
      {error && <ErrorBanner error={error} onRetry={reload} />}
      {loading && !data && <Spinner label="Loading users…" />}
      {data && (
        <div className="table-wrap">
          <table className="table" data-testid="users-table">
            <thead>
              <tr>
                <th>User</th>
                <th className="hide-narrow">Email</th>
                <th>Role</th>
                <th>Status</th>
                <th className="hide-narrow">Last sign-in</th>
                <th className="actions-col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {data.map((u) => (
                <tr key={u.id} data-testid={`user-row-${u.username}`}>
                  <td>
                    <div className="cell-title">{u.username}</div>
                    <div className="muted small">{u.fullName}</div>
                  </td>
                  <td className="hide-narrow">{u.email}</td>
                  <td>
                    <Badge tone={u.role === 'admin' ? 'busy' : u.role === 'operator' ? 'idle' : 'muted'}>{u.role}</Badge>
                  </td>
                  <td>
                    <Badge tone={u.active ? 'ok' : 'bad'}>{u.active ? 'Active' : 'Disabled'}</Badge>
                  </td>
                  <td className="hide-narrow small">{u.lastLogin ? formatDate(u.lastLogin) : <span className="muted">never</span>}</td>
                  <td className="actions-col">
                    <div className="row-actions">
                      <button className="btn small" onClick={() => setEditing(u)} data-testid={`user-edit-${u.username}`}>
                        Edit
                      </button>
                      {u.id !== me?.id && (
                        <button className="btn small danger-outline" onClick={() => remove(u)} data-testid={`user-delete-${u.username}`}>
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
        <UserModal
          user={editing}
          onClose={() => setEditing(undefined)}
          onSaved={() => {
            toast.success(editing ? 'User saved.' : 'User created.');
            setEditing(undefined);
            void reload();
          }}
        />
      )}
    </>
  );
}
