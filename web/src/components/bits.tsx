import { useState, type ReactNode } from 'react';
import { stateInfo, type Tone } from '../sessionStates';

export function Badge({ tone, children, testId }: { tone: Tone; children: ReactNode; testId?: string }) {
  return (
    <span className={`badge badge-${tone}`} data-testid={testId}>
      {children}
    </span>
  );
}

export function StateBadge({ state, testId }: { state: string; testId?: string }) {
  const info = stateInfo(state);
  return (
    <span className={`badge badge-${info.tone}`} data-testid={testId} data-state={state} title={info.hint}>
      {info.transitional && <span className="dot-pulse" aria-hidden="true" />}
      {info.label}
    </span>
  );
}

export function Spinner({ label }: { label?: string }) {
  return (
    <span className="spinner-wrap" role="status">
      <span className="spinner" aria-hidden="true" />
      {label && <span>{label}</span>}
    </span>
  );
}

export async function copyText(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    // Non-secure contexts (plain http on another host) have no Clipboard API.
    const ta = document.createElement('textarea');
    ta.value = text;
    ta.style.position = 'fixed';
    ta.style.opacity = '0';
    document.body.appendChild(ta);
    ta.select();
    let ok = false;
    try {
      ok = document.execCommand('copy');
    } catch {
      ok = false;
    }
    ta.remove();
    return ok;
  }
}

export function CopyButton({ text, testId }: { text: string; testId?: string }) {
  const [done, setDone] = useState<'' | 'ok' | 'fail'>('');
  return (
    <button
      type="button"
      className="btn"
      data-testid={testId}
      onClick={async () => {
        setDone((await copyText(text)) ? 'ok' : 'fail');
        window.setTimeout(() => setDone(''), 2000);
      }}
    >
      {done === 'ok' ? 'Copied' : done === 'fail' ? 'Select and copy it' : 'Copy'}
    </button>
  );
}

/** A secret shown once, with a Copy button. */
export function SecretBox({ label, secret, testId }: { label: string; secret: string; testId: string }) {
  return (
    <div className="secret-box">
      <p className="secret-warning">{label}</p>
      <div className="secret-row">
        <code data-testid={testId} className="secret">
          {secret}
        </code>
        <CopyButton text={secret} testId={`${testId}-copy`} />
      </div>
    </div>
  );
}

export function EmptyState({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="empty">
      <h3>{title}</h3>
      {children}
    </div>
  );
}

export function ErrorBanner({ error, onRetry }: { error: string; onRetry?: () => void }) {
  return (
    <div className="error-banner" role="alert" data-testid="error-banner">
      <span>{error}</span>
      {onRetry && (
        <button className="btn small" onClick={onRetry}>
          Try again
        </button>
      )}
    </div>
  );
}

export function TemplateIcon({ icon, name, size = 48 }: { icon?: string; name: string; size?: number }) {
  const [broken, setBroken] = useState(false);
  if (icon && !broken && /^(data:image\/|\/|https?:)/.test(icon)) {
    return <img className="tpl-icon" src={icon} alt="" width={size} height={size} onError={() => setBroken(true)} />;
  }
  const letter = (name || '?').trim().charAt(0).toUpperCase();
  let hue = 0;
  for (const c of name) hue = (hue * 31 + c.charCodeAt(0)) % 360;
  return (
    <span className="tpl-icon tpl-letter" style={{ width: size, height: size, background: `hsl(${hue} 55% 45%)` }} aria-hidden="true">
      {letter}
    </span>
  );
}

export function formatDate(iso?: string): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '—';
  return d.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}
