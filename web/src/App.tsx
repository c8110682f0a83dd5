import { lazy, Suspense, useEffect, type ReactNode } from 'react';
import { BrowserRouter, Navigate, Route, Routes, useLocation } from 'react-router-dom';
import { isAdmin, AuthProvider, useAuth } from './auth';
import { Spinner } from './components/bits';
import { ConfirmProvider } from './components/confirm';
import { Layout } from './components/Layout';
import { CatalogPage } from './pages/Catalog';
import { LoginPage } from './pages/Login';
import { MySessionsPage } from './pages/MySessions';
import { NotFoundPage } from './pages/NotFound';
import { SetupPage } from './pages/Setup';
import { SessionsProvider } from './sessions';
import { ToastProvider } from './toast';

// The viewer carries noVNC and the admin pages are for few users: load them on demand.
const loadViewer = () => import('./pages/Viewer');
const ViewerPage = lazy(loadViewer);
const ApiKeysPage = lazy(() => import('./pages/ApiKeys'));
const UsersPage = lazy(() => import('./pages/admin/Users'));
const GroupsPage = lazy(() => import('./pages/admin/Groups'));
const AgentsPage = lazy(() => import('./pages/admin/Agents'));
const TemplatesPage = lazy(() => import('./pages/admin/Templates'));

function Splash() {
  return (
    <div className="splash">
      <Spinner label="Loading…" />
    </div>
  );
}

function RequireAuth({ children, admin }: { children: ReactNode; admin?: boolean }) {
  const { user, setupRequired } = useAuth();
  const location = useLocation();
  if (setupRequired) return <Navigate to="/setup" replace />;
  if (!user) return <Navigate to="/login" replace state={{ from: location.pathname + location.search }} />;
  if (admin && !isAdmin(user)) return <NotFoundPage />;
  return <>{children}</>;
}

function AppRoutes() {
  const { loading, user, setupRequired } = useAuth();
  // Fetch the viewer's code once signed in, so launching an app shows progress at once.
  useEffect(() => {
    if (user) void loadViewer();
  }, [user]);
  if (loading) return <Splash />;
  const page = (el: ReactNode, admin = false) => (
    <RequireAuth admin={admin}>
      <Layout>
        <Suspense fallback={<Splash />}>{el}</Suspense>
      </Layout>
    </RequireAuth>
  );
  const routes = (
    <Routes>
      <Route path="/setup" element={setupRequired ? <SetupPage /> : <Navigate to="/login" replace />} />
      <Route path="/login" element={setupRequired ? <Navigate to="/setup" replace /> : user ? <Navigate to="/catalog" replace /> : <LoginPage />} />
      <Route path="/" element={<Navigate to="/catalog" replace />} />
      <Route path="/catalog" element={page(<CatalogPage />)} />
      <Route path="/sessions" element={page(<MySessionsPage />)} />
      <Route
        path="/sessions/:id"
        element={
          <RequireAuth>
            <Suspense fallback={<Splash />}>
              <ViewerPage />
            </Suspense>
          </RequireAuth>
        }
      />
      <Route path="/apikeys" element={page(<ApiKeysPage />)} />
      <Route path="/admin" element={<Navigate to="/admin/users" replace />} />
      <Route path="/admin/users" element={page(<UsersPage />, true)} />
      <Route path="/admin/groups" element={page(<GroupsPage />, true)} />
      <Route path="/admin/agents" element={page(<AgentsPage />, true)} />
      <Route path="/admin/templates" element={page(<TemplatesPage />, true)} />
      <Route path="*" element={user ? page(<NotFoundPage />) : <Navigate to="/login" replace />} />
    </Routes>
  );
  // Live session state exists only while signed in; keyed by user so a new login starts fresh.
  return user ? (
    <SessionsProvider key={user.id} userId={user.id}>
      {routes}
    </SessionsProvider>
  ) : (
    routes
  );
}

export function App() {
  return (
    <BrowserRouter>
      <ToastProvider>
        <ConfirmProvider>
          <AuthProvider>
            <AppRoutes />
          </AuthProvider>
        </ConfirmProvider>
      </ToastProvider>
    </BrowserRouter>
  );
}
