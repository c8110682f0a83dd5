import { Link } from 'react-router-dom';

export function NotFoundPage() {
  return (
    <div className="empty" data-testid="not-found">
      <h1>Page not found</h1>
      <p className="muted">This page does not exist, or you may not see it.</p>
      <Link className="btn primary" to="/catalog">
        Back to the catalog
      </Link>
    </div>
  );
}
