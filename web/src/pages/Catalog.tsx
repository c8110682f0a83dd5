import { useEffect, useMemo, useState } from 'react';
import { useNavigate } from 'react-router-dom';
import { describeError } from '../api/client';
import { createSession, listTemplates } from '../api/endpoints';
import type { Template } from '../api/types';
import { EmptyState, ErrorBanner, Spinner, TemplateIcon } from '../components/bits';
import { PageHeader } from '../components/Layout';
import { useSessions } from '../sessions';
import { useToast } from '../toast';

export function CatalogPage() {
  const [all, setAll] = useState<Template[] | null>(null);
  const [shown, setShown] = useState<Template[] | null>(null);
  const [search, setSearch] = useState('');
  const [category, setCategory] = useState('');
  const [error, setError] = useState('');
  const [launching, setLaunching] = useState('');
  const [reloadKey, setReloadKey] = useState(0);
  const navigate = useNavigate();
  const toast = useToast();
  const { sessions, upsert } = useSessions();

  // Every template once, for the category list.
  useEffect(() => {
    listTemplates()
      .then((r) => setAll(r.templates))
      .catch((e) => setError(describeError(e)));
  }, [reloadKey]);

  // The filtered list from the server (debounced while typing).
  useEffect(() => {
    const q = search.trim();
    if (!q && !category) {
      setShown(all);
      return;
    }
    const ctrl = new AbortController();
    const t = window.setTimeout(() => {
      listTemplates({ search: q, category })
        .then((r) => setShown(r.templates))
        .catch((e) => {
          if (!ctrl.signal.aborted) setError(describeError(e));
        });
    }, 200);
    return () => {
      ctrl.abort();
      window.clearTimeout(t);
    };
  }, [search, category, all]);

  const categories = useMemo(
    () => [...new Set((all ?? []).map((t) => t.category).filter(Boolean))].sort((a, b) => a.localeCompare(b)),
    [all],
  );
  const runningByTemplate = useMemo(() => {
    const m = new Map<string, number>();
    for (const s of sessions) m.set(s.template, (m.get(s.template) ?? 0) + 1);
    return m;
  }, [sessions]);

  const launch = async (t: Template) => {
    setLaunching(t.name);
    try {
      const s = await createSession(t.name);
      upsert(s);
      navigate(`/sessions/${s.id}`, { state: { session: s } });
    } catch (e) {
      toast.error(e, `Could not launch ${t.displayName || t.name}`);
      setLaunching('');
    }
  };

  return (
    <>
      <PageHeader title="Catalog" subtitle="Pick an app and launch it: it opens in this browser." />
      <div className="toolbar">
        <input
          className="search"
          type="search"
          placeholder="Search apps…"
          aria-label="Search apps"
          data-testid="catalog-search"
          value={search}
          onChange={(e) => setSearch(e.target.value)}
        />
        <select aria-label="Category" data-testid="catalog-category" value={category} onChange={(e) => setCategory(e.target.value)}>
          <option value="">All categories</option>
          {categories.map((c) => (
            <option key={c} value={c}>
              {c}
            </option>
          ))}
        </select>
      </div>
      {error && <ErrorBanner error={error} onRetry={() => { setError(''); setReloadKey((k) => k + 1); }} />}
      {!shown && !error && <Spinner label="Loading apps…" />}
      {shown && shown.length === 0 && (
        <EmptyState title={search || category ? 'No app matches' : 'No apps yet'}>
          <p className="muted">{search || category ? 'Try another search or category.' : 'An administrator adds apps on the Templates page.'}</p>
        </EmptyState>
      )}
      {shown && shown.length > 0 && (
        <div className="card-grid" data-testid="catalog-grid">
          {shown.map((t) => {
            const count = runningByTemplate.get(t.name) ?? 0;
            return (
              <article className="card tpl-card" key={t.id} data-testid={`catalog-card-${t.name}`}>
                <div className="tpl-head">
                  <TemplateIcon icon={t.icon} name={t.displayName || t.name} />
                  <div>
                    <h3>{t.displayName || t.name}</h3>
                    {t.category && <span className="chip">{t.category}</span>}
                  </div>
                </div>
                <p className="tpl-desc">{t.description || 'No description.'}</p>
                {t.tags?.length > 0 && (
                  <div className="tags">
                    {t.tags.map((tag) => (
                      <span className="tag" key={tag}>
                        {tag}
                      </span>
                    ))}
                  </div>
                )}
                <div className="card-foot">
                  <span className="muted small">{count > 0 ? `${count} open session${count > 1 ? 's' : ''}` : t.protocol === 'http' ? 'Web app' : 'Desktop app'}</span>
                  <button className="btn primary" data-testid={`launch-${t.name}`} disabled={!!launching} onClick={() => launch(t)}>
                    {launching === t.name ? 'Launching…' : 'Launch'}
                  </button>
                </div>
              </article>
            );
          })}
        </div>
      )}
    </>
  );
}
