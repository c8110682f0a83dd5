import { useState, type FormEvent } from 'react';
import { describeError } from '../../api/client';
import { addGroupMember, createGroup, deleteGroup, listGroupMembers, listGroups, listUsers, removeGroupMember } from '../../api/endpoints';
import type { Group, GroupType, MemberRole } from '../../api/types';
import { EmptyState, ErrorBanner, Spinner } from '../../components/bits';
import { useConfirm } from '../../components/confirm';
import { FormFooter, Modal } from '../../components/Modal';
import { PageHeader } from '../../components/Layout';
import { useToast } from '../../toast';
import { useLoad } from '../../useLoad';

const TYPES: GroupType[] = ['team', 'department', 'project'];

function CreateGroupModal({ onClose, onSaved }: { onClose: () => void; onSaved: () => void }) {
  const [name, setName] = useState('');
  const [displayName, setDisplayName] = useState('');
  const [type, setType] = useState<GroupType>('team');
  const [description, setDescription] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError('');
    try {
      await createGroup({ name: name.trim(), displayName: displayName.trim() || name.trim(), type, description: description.trim() || undefined });
      onSaved();
    } catch (err) {
      setError(describeError(err));
      setBusy(false);
    }
  };
  return (
    <Modal
      title="Create a group"
      onClose={onClose}
      testId="group-dialog"
      footer={
        <FormFooter formId="group-form" busy={busy} label="Create group" busyLabel="Creating…" onCancel={onClose} testId="group-save" />
      }
    >
      <form id="group-form" className="form" onSubmit={submit}>
        <label>
          Name <span className="muted">(identifier)</span>
          <input data-testid="group-name" required value={name} onChange={(e) => setName(e.target.value)} placeholder="engineering" />
        </label>
        <label>
          Display name
          <input data-testid="group-displayname" value={displayName} onChange={(e) => setDisplayName(e.target.value)} placeholder="Engineering" />
        </label>
        <label>
          Type
          <select value={type} onChange={(e) => setType(e.target.value as GroupType)}>
            {TYPES.map((t) => (
              <option key={t}>{t}</option>
            ))}
          </select>
        </label>
        <label>
          Description
          <input value={description} onChange={(e) => setDescription(e.target.value)} />
        </label>
        {error && (
          <p className="form-error" role="alert">
            {error}
          </p>
        )}
      </form>
    </Modal>
  );
}

function Members({ group, onChanged }: { group: Group; onChanged: () => void }) {
  const { data, error, reload } = useLoad(() => listGroupMembers(group.id).then((r) => r.members), [group.id]);
  const users = useLoad(() => listUsers().then((r) => r.users), []);
  const [userId, setUserId] = useState('');
  const [role, setRole] = useState<MemberRole>('member');
  const toast = useToast();
  const confirm = useConfirm();
  const candidates = (users.data ?? []).filter((u) => !(data ?? []).some((m) => m.userId === u.id));
  const add = async (e: FormEvent) => {
    e.preventDefault();
    if (!userId) return;
    try {
      await addGroupMember(group.id, userId, role);
      setUserId('');
      void reload();
      onChanged();
    } catch (err) {
      toast.error(err, 'Could not add the member');
    }
  };
  return (
    <div className="panel" data-testid="group-members">
      <h3>Members of {group.displayName}</h3>
      {error && <ErrorBanner error={error} onRetry={reload} />}
      {!data && !error && <Spinner />}
      {data && data.length === 0 && <p className="muted">No members yet.</p>}
      {data && data.length > 0 && (
        <ul className="member-list">
          {data.map((m) => (
            <li key={m.userId} data-testid={`member-${m.username}`}>
              <span>
                <strong>{m.username}</strong> <span className="muted small">{m.fullName}</span>
              </span>
              <span className="chip">{m.role}</span>
              <button
                className="btn small danger-outline"
                onClick={async () => {
                  if (!(await confirm({ title: `Remove ${m.username}?`, message: <p>They leave {group.displayName}.</p>, confirmLabel: 'Remove', danger: true }))) return;
                  try {
                    await removeGroupMember(group.id, m.userId);
                    void reload();
                    onChanged();
                  } catch (err) {
                    toast.error(err, 'Could not remove the member');
                  }
                }}
              >
                Remove
              </button>
            </li>
          ))}
        </ul>
      )}
      <form className="inline-form" onSubmit={add}>
        <select aria-label="User" value={userId} onChange={(e) => setUserId(e.target.value)} data-testid="member-user">
          <option value="">Add a user…</option>
          {candidates.map((u) => (
            <option key={u.id} value={u.id}>
              {u.username} ({u.fullName})
            </option>
          ))}
        </select>
        <select aria-label="Member role" value={role} onChange={(e) => setRole(e.target.value as MemberRole)}>
          <option value="member">member</option>
          <option value="admin">admin</option>
          <option value="owner">owner</option>
        </select>
        <button className="btn primary" type="submit" disabled={!userId} data-testid="member-add">
          Add
        </button>
      </form>
    </div>
  );
}

export default function GroupsPage() {
  const { data, error, loading, reload } = useLoad(() => listGroups().then((r) => r.groups));
  const [creating, setCreating] = useState(false);
  const [selected, setSelected] = useState<string>('');
  const confirm = useConfirm();
  const toast = useToast();
  const group = data?.find((g) => g.id === selected) ?? null;

  return (
    <>
      <PageHeader
        title="Groups"
        subtitle="Teams, departments and projects, with their members."
        actions={
          <button className="btn primary" onClick={() => setCreating(true)} data-testid="group-create">
            Create group
          </button>
        }
      />
      {error && <ErrorBanner error={error} onRetry={reload} />}
      {loading && !data && <Spinner label="Loading groups…" />}
      {data && data.length === 0 && (
        <EmptyState title="No groups">
          <p className="muted">Groups gather users, for shared quotas and administration.</p>
        </EmptyState>
      )}
      {data && data.length > 0 && (
        <div className="split">
          <div className="table-wrap">
            <table className="table" data-testid="groups-table">
              <thead>
                <tr>
                  <th>Group</th>
                  <th>Type</th>
                  <th>Members</th>
                  <th className="actions-col">Actions</th>
                </tr>
              </thead>
              <tbody>
                {data.map((g) => (
                  <tr key={g.id} className={g.id === selected ? 'selected' : ''} data-testid={`group-row-${g.name}`}>
                    <td>
                      <div className="cell-title">{g.displayName}</div>
                      <div className="muted small">{g.name}</div>
                    </td>
                    <td>{g.type}</td>
                    <td>{g.memberCount}</td>
                    <td className="actions-col">
                      <div className="row-actions">
                        <button className="btn small" onClick={() => setSelected(g.id === selected ? '' : g.id)} data-testid={`group-members-${g.name}`}>
                          Members
                        </button>
                        <button
                          className="btn small danger-outline"
                          onClick={async () => {
                            if (!(await confirm({ title: `Delete ${g.displayName}?`, message: <p>The group and its memberships are removed; the users stay.</p>, confirmLabel: 'Delete', danger: true }))) return;
                            try {
                              await deleteGroup(g.id);
                              if (selected === g.id) setSelected('');
                              void reload();
                            } catch (e) {
                              toast.error(e, 'Could not delete the group');
                            }
                          }}
                        >
                          Delete
                        </button>
                      </div>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {group && <Members group={group} onChanged={reload} />}
        </div>
      )}
      {creating && (
        <CreateGroupModal
          onClose={() => setCreating(false)}
          onSaved={() => {
            setCreating(false);
            toast.success('Group created.');
            void reload();
          }}
        />
      )}
    </>
  );
}
