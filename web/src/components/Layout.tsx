import { useEffect, useRef, useState, type ReactNode } from 'react';
import { NavLink, useNavigate } from 'react-router-dom';
import { api } from '../api/client';
import { isAdmin, useAuth } from '../auth';
import { useSessions } from '../sessions';
import { currentTheme, saveTheme, type Theme } from '../theme';

function ThemeToggle() {
  const [theme, setTheme] = useState<Theme>(currentTheme());
  const next: Theme = theme === 'dark' ? 'light' : 'dark';
  return (
    <button
      className="icon-btn theme-toggle"
      data-testid="theme-toggle"
      aria-label={`Switch to ${next} theme`}
      title={`Switch to ${next} theme`}
      onClick={() => {
        saveTheme(next);
        setTheme(next);
      }}
    >
      {theme === 'dark' ? '☀' : '☾'}
    </button>
  );
}

function UserMenu() {
  const { user } = useAuth();
  const [open, setOpen] = useState(false);
  const ref = useRef<HTMLDivElement>(null);
  const navigate = useNavigate();
  useEffect(() => {
    if (!open) return;
    const close = (e: MouseEvent) => {
      if (!ref.current?.contains(e.target as Node)) setOpen(false);
    };
    document.addEventListener('mousedown', close);
    return () => document.removeEventListener('mousedown', close);
  }, [open]);
  if (!user) return null;
  const initials = (user.fullName || user.username)
    .split(/\s+/)
    .map((p) => p.charAt(0))
    .join('')
    .slice(0, 2)
    .toUpperCase();
  return (
    <div className="user-menu" ref={ref}>
      <button className="user-btn" data-testid="user-menu" aria-haspopup="menu" aria-expanded={open} onClick={() => setOpen(!open)}>
        <span className="avatar" aria-hidden="true">
          {initials}
        </span>
        <span className="user-name">{user.username}</span>
      </button>
      {open && (
        <div className="menu" role="menu">
          <div className="menu-head">
            <strong>{user.fullName || user.username}</strong>
            <span className="muted">{user.email}</span>
            <span className="muted">Role: {user.role}</span>
          </div>
          <button role="menuitem" className="menu-item" onClick={() => { setOpen(false); navigate('/apikeys'); }}>
            API keys
          </button>
          <a role="menuitem" className="menu-item" href="/api/docs" target="_blank" rel="noreferrer">
            API documentation
          </a>
          <button
            role="menuitem"
            className="menu-item"
            data-testid="logout"
            onClick={async () => {
              setOpen(false);
              await api.logout();
              navigate('/login', { replace: true });
            }}
          >
            Sign out
          </button>
        </div>
      )}
    </div>
  );
}

function HubIndicator() {
  const { hubStatus } = useSessions();
  if (hubStatus === 'open') return null;
  return (
    <span className="hub-indicator" data-testid="hub-offline" title="Live updates are reconnecting; the page refreshes every few seconds meanwhile.">
      Live updates reconnecting…
    </span>
  );
}

export function Layout({ children }: { children: ReactNode }) {
  const { user } = useAuth();
  const [navOpen, setNavOpen] = useState(false);
  const link = ({ isActive }: { isActive: boolean }) => `nav-link${isActive ? ' active' : ''}`;
  return (
    <div className="app">
      <header className="topbar">
        <button className="icon-btn nav-toggle" aria-label="Menu" onClick={() => setNavOpen(!navOpen)}>
          ☰
        </button>
        <NavLink to="/catalog" className="brand">
          <img src="/favicon.svg" alt="" width={26} height={26} />
          <span>StreamSpace</span>
        </NavLink>
        <nav className={`nav${navOpen ? ' open' : ''}`} onClick={() => setNavOpen(false)} data-testid="nav">
          <NavLink to="/catalog" className={link} data-testid="nav-catalog">
            Catalog
          </NavLink>
          <NavLink to="/sessions" end className={link} data-testid="nav-sessions">
            My sessions
          </NavLink>
          <NavLink to="/apikeys" className={link} data-testid="nav-apikeys">
            API keys
          </NavLink>
          {isAdmin(user) && (
            <>
              <span className="nav-sep" aria-hidden="true" />
              <NavLink to="/admin/users" className={link} data-testid="nav-admin-users">
                Users
              </NavLink>
              <NavLink to="/admin/groups" className={link} data-testid="nav-admin-groups">
                Groups
              </NavLink>
              <NavLink to="/admin/agents" className={link} data-testid="nav-admin-agents">
                Agents
              </NavLink>
              <NavLink to="/admin/templates" className={link} data-testid="nav-admin-templates">
                Templates
              </NavLink>
            </>
          )}
        </nav>
        <div className="topbar-right">
          <HubIndicator />
          <ThemeToggle />
          <UserMenu />
        </div>
      </header>
      <main className="content">{children}</main>
    </div>
  );
}

export function PageHeader({ title, subtitle, actions }: { title: string; subtitle?: ReactNode; actions?: ReactNode }) {
  return (
    <div className="page-head">
      <div>
        <h1>{title}</h1>
        {subtitle && <p className="muted">{subtitle}</p>}
      </div>
      {actions && <div className="page-actions">{actions}</div>}
    </div>
  );
}

export { ThemeToggle };
