import { useState, type FormEvent } from 'react';
import { useNavigate } from 'react-router-dom';
import { api, describeError } from '../api/client';
import { completeSetup } from '../api/endpoints';
import { useAuth } from '../auth';
import { AuthShell } from './AuthShell';

export const MIN_PASSWORD = 12;

/** Problems with the wizard's fields, in plain words (empty when fine). */
export function setupProblems(password: string, confirm: string, email: string): string[] {
  const out: string[] = [];
  if (password.length < MIN_PASSWORD) out.push(`The password needs at least ${MIN_PASSWORD} characters.`);
  if (confirm !== password) out.push('The two passwords differ.');
  if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email.trim())) out.push('Enter a valid email address.');
  return out;
}

export function SetupPage() {
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [email, setEmail] = useState('');
  const [error, setError] = useState('');
  const [touched, setTouched] = useState(false);
  const [busy, setBusy] = useState(false);
  const { markSetupDone } = useAuth();
  const navigate = useNavigate();
  const problems = setupProblems(password, confirm, email);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setTouched(true);
    if (problems.length) return;
    setBusy(true);
    setError('');
    try {
      const res = await completeSetup(password, confirm, email.trim());
      await api.login(res.username || 'admin', password);
      markSetupDone();
      navigate('/catalog', { replace: true });
    } catch (err) {
      setError(describeError(err));
      setBusy(false);
    }
  };

  return (
    <AuthShell title="Welcome to StreamSpace" subtitle="Finish the setup: choose the password of the administrator account (admin).">
      <form onSubmit={submit} className="form" data-testid="setup-form" noValidate>
        <label>
          Username
          <input value="admin" disabled readOnly />
        </label>
        <label>
          Email
          <input data-testid="setup-email" type="email" autoComplete="email" required value={email} onChange={(e) => setEmail(e.target.value)} />
        </label>
        <label>
          Password <span className="muted">(at least {MIN_PASSWORD} characters)</span>
          <input data-testid="setup-password" type="password" autoComplete="new-password" required value={password} onChange={(e) => setPassword(e.target.value)} />
        </label>
        <label>
          Repeat the password
          <input data-testid="setup-password-confirm" type="password" autoComplete="new-password" required value={confirm} onChange={(e) => setConfirm(e.target.value)} />
        </label>
        {touched && problems.length > 0 && (
          <ul className="form-error" role="alert" data-testid="setup-problems">
            {problems.map((p) => (
              <li key={p}>{p}</li>
            ))}
          </ul>
        )}
        {error && (
          <p className="form-error" role="alert" data-testid="setup-error">
            {error}
          </p>
        )}
        <button className="btn primary block" type="submit" disabled={busy} data-testid="setup-submit">
          {busy ? 'Setting up…' : 'Finish setup and sign in'}
        </button>
      </form>
    </AuthShell>
  );
}
