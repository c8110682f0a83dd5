import { createContext, useContext, useEffect, useState, type ReactNode } from 'react';
import { api } from './api/client';
import { getSetupStatus } from './api/endpoints';
import type { User } from './api/types';

interface AuthState {
  /** Still finding out whether the refresh cookie gives a login. */
  loading: boolean;
  user: User | null;
  setupRequired: boolean;
  markSetupDone: () => void;
}

const AuthContext = createContext<AuthState>({ loading: true, user: null, setupRequired: false, markSetupDone: () => {} });

export function AuthProvider({ children }: { children: ReactNode }) {
  const [loading, setLoading] = useState(true);
  const [user, setUser] = useState<User | null>(api.currentUser);
  const [setupRequired, setSetupRequired] = useState(false);

  useEffect(() => {
    const off = api.onAuthChange((u) => setUser(u));
    let cancelled = false;
    (async () => {
      const [status] = await Promise.all([
        getSetupStatus().catch(() => null),
        api.currentUser ? Promise.resolve(true) : api.refresh(),
      ]);
      if (cancelled) return;
      setSetupRequired(!!status?.setupRequired);
      setUser(api.currentUser);
      setLoading(false);
    })();
    // Waking from sleep: the scheduled refresh may have been missed.
    const onVisible = () => {
      if (document.visibilityState === 'visible' && api.currentUser && api.needsRefresh()) void api.refresh();
    };
    document.addEventListener('visibilitychange', onVisible);
    return () => {
      cancelled = true;
      off();
      document.removeEventListener('visibilitychange', onVisible);
    };
  }, []);

  return (
    <AuthContext.Provider value={{ loading, user, setupRequired, markSetupDone: () => setSetupRequired(false) }}>
      {children}
    </AuthContext.Provider>
  );
}

export function useAuth() {
  return useContext(AuthContext);
}

export function isAdmin(user: User | null | undefined): boolean {
  return user?.role === 'admin';
}
