import { createContext, useCallback, useContext, useRef, useState, type ReactNode } from 'react';
import { describeError } from './api/client';

type Kind = 'error' | 'success' | 'info';
interface Toast {
  id: number;
  kind: Kind;
  text: string;
}

interface ToastApi {
  show: (text: string, kind?: Kind) => void;
  error: (err: unknown, prefix?: string) => void;
  success: (text: string) => void;
}

const ToastContext = createContext<ToastApi>({ show: () => {}, error: () => {}, success: () => {} });

export function ToastProvider({ children }: { children: ReactNode }) {
  const [toasts, setToasts] = useState<Toast[]>([]);
  const next = useRef(1);
  const dismiss = useCallback((id: number) => setToasts((t) => t.filter((x) => x.id !== id)), []);
  const show = useCallback(
    (text: string, kind: Kind = 'info') => {
      const id = next.current++;
      setToasts((t) => [...t.slice(-3), { id, kind, text }]);
      window.setTimeout(() => dismiss(id), kind === 'error' ? 8000 : 4000);
    },
    [dismiss],
  );
  const value = useRef<ToastApi>({
    show: (t, k) => show(t, k),
    error: (err, prefix) => show(prefix ? `${prefix}: ${describeError(err)}` : describeError(err), 'error'),
    success: (t) => show(t, 'success'),
  });
  return (
    <ToastContext.Provider value={value.current}>
      {children}
      <div className="toasts" role="status" aria-live="polite">
        {toasts.map((t) => (
          <div key={t.id} className={`toast toast-${t.kind}`} data-testid={`toast-${t.kind}`}>
            <span>{t.text}</span>
            <button className="icon-btn" aria-label="Dismiss" onClick={() => dismiss(t.id)}>
              ×
            </button>
          </div>
        ))}
      </div>
    </ToastContext.Provider>
  );
}

export function useToast() {
  return useContext(ToastContext);
}
