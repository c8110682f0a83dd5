import { useEffect, useRef, type ReactNode } from 'react';

interface Props {
  title: string;
  onClose: () => void;
  children: ReactNode;
  footer?: ReactNode;
  testId?: string;
  wide?: boolean;
}

export function Modal({ title, onClose, children, footer, testId, wide }: Props) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') onClose();
    };
    document.addEventListener('keydown', onKey);
    const first = ref.current?.querySelector<HTMLElement>('input, select, textarea, button.primary');
    first?.focus();
    return () => document.removeEventListener('keydown', onKey);
  }, [onClose]);
  return (
    <div className="modal-backdrop" onMouseDown={(e) => e.target === e.currentTarget && onClose()}>
      <div className={`modal${wide ? ' modal-wide' : ''}`} role="dialog" aria-modal="true" aria-label={title} data-testid={testId} ref={ref}>
        <header className="modal-head">
          <h2>{title}</h2>
          <button className="icon-btn" aria-label="Close" onClick={onClose}>
            ×
          </button>
        </header>
        <div className="modal-body">{children}</div>
        {footer && <footer className="modal-foot">{footer}</footer>}
      </div>
    </div>
  );
}

// The footer of a modal that holds a form: Cancel, and the form's submit button, which
// shows `busyLabel` and is disabled while the request runs.
export function FormFooter({
  formId,
  busy,
  label,
  busyLabel,
  onCancel,
  testId,
}: {
  formId: string;
  busy: boolean;
  label: string;
  busyLabel: string;
  onCancel: () => void;
  testId?: string;
}) {
  return (
    <>
      <button className="btn" type="button" onClick={onCancel}>
        Cancel
      </button>
      <button className="btn primary" type="submit" form={formId} disabled={busy} data-testid={testId}>
        {busy ? busyLabel : label}
      </button>
    </>
  );
}
