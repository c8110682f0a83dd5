import RFB from '@novnc/novnc';
import { useCallback, useEffect, useRef, useState } from 'react';
import { Link, useLocation, useNavigate, useParams } from 'react-router-dom';
import { ApiError, describeError } from '../api/client';
import { connectSession, getSession } from '../api/endpoints';
import type { HubMessage, Session } from '../api/types';
import { CopyButton, Spinner, StateBadge } from '../components/bits';
import { useConfirm } from '../components/confirm';
import { useAuth } from '../auth';
import { runSessionAction } from '../sessionActions';
import { canDo, wakeLabel } from '../sessionStates';
import { POLL_INTERVAL_MS, useSessions } from '../sessions';
import { useToast } from '../toast';
import { reconnectDelay, viewerOverlay, viewerSocketUrl, type LinkState } from '../viewerLogic';

export default function ViewerPage() {
  const { id = '' } = useParams();
  const navigate = useNavigate();
  const toast = useToast();
  const confirm = useConfirm();
  const { subscribe, hubStatus, upsert } = useSessions();
  const { user } = useAuth();

  const location = useLocation();
  // The catalog passes the session it just created: show "Starting…" without waiting.
  const passed = (location.state as { session?: Session } | null)?.session;
  const [session, setSession] = useState<Session | null>(passed && passed.id === id ? passed : null);
  const [loadError, setLoadError] = useState('');
  const [link, setLink] = useState<LinkState>('idle');
  const [httpPath, setHttpPath] = useState('');
  const [clipOpen, setClipOpen] = useState(false);
  const [clipText, setClipText] = useState('');
  const [remoteClip, setRemoteClip] = useState(false);
  const [fullscreen, setFullscreen] = useState(false);
  const [busy, setBusy] = useState('');

  const rootRef = useRef<HTMLDivElement>(null);
  const screenRef = useRef<HTMLDivElement>(null);
  const rfbRef = useRef<RFB | null>(null);
  const stateRef = useRef<string | undefined>(undefined);
  const attemptRef = useRef(0);
  const retryTimer = useRef<number | null>(null);
  const connectingRef = useRef(false);
  const aliveRef = useRef(true);

  const state = session?.state;
  stateRef.current = state;

  const applySession = useCallback(
    (s: Session) => {
      setSession((old) => (old && Date.parse(old.updatedAt) > Date.parse(s.updatedAt) ? old : s));
    },
    [],
  );

  // Load the session, and follow it through the hub.
  const load = useCallback(async () => {
    try {
      applySession(await getSession(id));
      setLoadError('');
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) setLoadError('This session does not exist, or it is not yours.');
      else if (!(e instanceof ApiError && e.status === 0)) setLoadError(describeError(e));
    }
  }, [id, applySession]);

  useEffect(() => {
    void load();
    return subscribe((msg: HubMessage) => {
      if (msg.type === 'welcome') void load(); // resync after a hub reconnect
      const data = msg.data as Session | undefined;
      if (msg.type === 'update' && data && data.id === id) applySession(data);
    });
  }, [id, load, subscribe, applySession]);

  // The hub brings the user's own sessions: poll while it is down, or while an admin
  // follows someone else's session.
  const followsByHub = hubStatus === 'open' && !!session && session.userId === user?.id;
  const ended = state === 'stopped';
  useEffect(() => {
    if (followsByHub || ended) return;
    const t = window.setInterval(() => void load(), POLL_INTERVAL_MS);
    return () => window.clearInterval(t);
  }, [followsByHub, ended, load]);

  const teardown = useCallback(() => {
    if (retryTimer.current !== null) window.clearTimeout(retryTimer.current);
    retryTimer.current = null;
    const rfb = rfbRef.current;
    rfbRef.current = null;
    if (rfb) {
      try {
        rfb.disconnect();
      } catch {
        /* already gone */
      }
    }
  }, []);

  const connect = useCallback(async () => {
    if (connectingRef.current || rfbRef.current || !aliveRef.current) return;
    connectingRef.current = true;
    try {
      const c = await connectSession(id);
      if (!aliveRef.current || stateRef.current !== 'running') return;
      if (c.protocol === 'http') {
        setHttpPath(c.path);
        setLink('connected');
        return;
      }
      const screen = screenRef.current;
      if (!screen) return;
      const rfb = new RFB(screen, viewerSocketUrl(window.location, c.path), { wsProtocols: ['binary'], shared: true });
      rfb.scaleViewport = true;
      rfb.resizeSession = false;
      rfb.focusOnClick = true;
      rfb.background = 'transparent';
      rfbRef.current = rfb;
      rfb.addEventListener('connect', () => {
        attemptRef.current = 0;
        setLink('connected');
        rfb.focus();
      });
      rfb.addEventListener('clipboard', (e: Event) => {
        const text = (e as CustomEvent<{ text: string }>).detail?.text ?? '';
        setClipText(text);
        setRemoteClip(true);
      });
      rfb.addEventListener('securityfailure', (e: Event) => {
        const reason = (e as CustomEvent<{ reason?: string }>).detail?.reason;
        toast.show(`The display refused the connection${reason ? `: ${reason}` : ''}.`, 'error');
      });
      rfb.addEventListener('disconnect', () => {
        if (rfbRef.current !== rfb) return; // we closed it on purpose
        rfbRef.current = null;
        if (!aliveRef.current) return;
        scheduleReconnect();
      });
    } catch (e) {
      if (!aliveRef.current) return;
      if (e instanceof ApiError && e.status === 409) {
        void load(); // not running (any more): the state decides what follows
      } else if (e instanceof ApiError && (e.status === 404 || e.status === 403)) {
        setLoadError(describeError(e));
      } else {
        scheduleReconnect();
      }
    } finally {
      connectingRef.current = false;
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [id, load, toast]);

  const scheduleReconnect = useCallback(() => {
    if (!aliveRef.current || retryTimer.current !== null) return;
    setLink('reconnecting');
    const delay = reconnectDelay(attemptRef.current++);
    retryTimer.current = window.setTimeout(async () => {
      retryTimer.current = null;
      // A fresh look at the session: it may have hibernated or ended meanwhile.
      try {
        const s = await getSession(id);
        applySession(s);
        stateRef.current = s.state;
      } catch {
        /* network trouble: try connecting anyway */
      }
      if (stateRef.current === 'running') void connect();
      else setLink('idle');
    }, delay);
  }, [id, applySession, connect]);

  // Connect when running, disconnect when not.
  useEffect(() => {
    if (state === 'running') {
      if (!rfbRef.current && retryTimer.current === null && session?.protocol !== 'http') {
        setLink((l) => (l === 'reconnecting' ? l : 'connecting'));
        void connect();
      } else if (session?.protocol === 'http' && !httpPath) {
        void connect();
      }
    } else if (state) {
      teardown();
      setLink('idle');
      setHttpPath('');
    }
  }, [state, session?.protocol, connect, teardown, httpPath]);

  useEffect(() => {
    aliveRef.current = true;
    return () => {
      aliveRef.current = false;
      teardown();
    };
  }, [teardown]);

  useEffect(() => {
    document.title = session ? `${session.template} · StreamSpace` : 'StreamSpace';
    return () => {
      document.title = 'StreamSpace';
    };
  }, [session?.template]); // eslint-disable-line react-hooks/exhaustive-deps

  useEffect(() => {
    const onFs = () => setFullscreen(document.fullscreenElement === rootRef.current);
    document.addEventListener('fullscreenchange', onFs);
    return () => document.removeEventListener('fullscreenchange', onFs);
  }, []);

  const toggleFullscreen = async () => {
    try {
      if (document.fullscreenElement) await document.exitFullscreen();
      else await rootRef.current?.requestFullscreen();
      rfbRef.current?.focus();
    } catch {
      toast.show('This browser does not allow fullscreen here.', 'error');
    }
  };

  const act = async (action: 'hibernate' | 'wake' | 'terminate') => {
    if (!session) return;
    if (action === 'terminate') {
      const ok = await confirm({
        title: 'Terminate this session?',
        message: <p>The {session.template} session ends and its apps close.</p>,
        confirmLabel: 'Terminate',
        danger: true,
      });
      if (!ok) return;
    }
    setBusy(action);
    try {
      const s = await runSessionAction(action, session.id);
      applySession(s);
      upsert(s);
      if (action === 'terminate') navigate('/sessions');
    } catch (e) {
      toast.error(e, `Could not ${action === 'wake' ? wakeLabel(session.state).toLowerCase() : action} the session`);
    } finally {
      setBusy('');
    }
  };

  const sendClipboard = () => {
    if (!rfbRef.current) {
      toast.show('Not connected: the text cannot be sent yet.', 'error');
      return;
    }
    rfbRef.current.clipboardPasteFrom(clipText);
    setRemoteClip(false);
    toast.success('Sent to the remote clipboard.');
  };

  const overlay = viewerOverlay(state, link, loadError);

  return (
    <div className={`viewer${fullscreen ? ' is-fullscreen' : ''}`} ref={rootRef} data-testid="viewer">
      <div className="viewer-bar">
        <Link to="/sessions" className="btn small ghost" data-testid="viewer-back" title="Back to my sessions">
          ← Sessions
        </Link>
        <div className="viewer-title">
          <strong>{session?.template ?? '…'}</strong>
          {session && <StateBadge state={session.state} testId="viewer-state" />}
          {link === 'connected' && state === 'running' && <span className="muted small hide-narrow">Connected</span>}
        </div>
        <div className="viewer-actions">
          <button className={`btn small${clipOpen ? ' active' : ''}`} onClick={() => setClipOpen(!clipOpen)} data-testid="clipboard-toggle" aria-pressed={clipOpen}>
            Clipboard{remoteClip && <span className="dot" aria-label="new text" />}
          </button>
          <button className="btn small" onClick={toggleFullscreen} data-testid="fullscreen">
            {fullscreen ? 'Exit fullscreen' : 'Fullscreen'}
          </button>
          {session && canDo(session.state, 'hibernate') && (
            <button className="btn small" disabled={!!busy} onClick={() => act('hibernate')} data-testid="viewer-hibernate">
              {busy === 'hibernate' ? 'Hibernating…' : 'Hibernate'}
            </button>
          )}
          {session && canDo(session.state, 'wake') && (
            <button className="btn small" disabled={!!busy} onClick={() => act('wake')} data-testid="viewer-wake">
              {wakeLabel(session.state)}
            </button>
          )}
          {session && canDo(session.state, 'terminate') && (
            <button className="btn small danger-outline" disabled={!!busy} onClick={() => act('terminate')} data-testid="viewer-terminate">
              Terminate
            </button>
          )}
        </div>
      </div>
      <div className="viewer-body">
        <div className="viewer-screen" ref={screenRef} data-testid="viewer-screen" data-link={link} />
        {httpPath && state === 'running' && (
          <div className="viewer-overlay">
            <div className="overlay-card">
              <p>This app runs in its own browser tab.</p>
              <a className="btn primary" href={httpPath} target="_blank" rel="noreferrer" data-testid="viewer-open-http">
                Open the app
              </a>
            </div>
          </div>
        )}
        {overlay.kind !== 'none' && !httpPath && (
          <div className="viewer-overlay" data-testid="viewer-overlay" data-kind={overlay.kind}>
            <div className="overlay-card">
              {overlay.kind === 'progress' && (
                <div data-testid={overlay.text === 'Reconnecting…' ? 'viewer-reconnecting' : 'viewer-progress'}>
                  <Spinner label={overlay.text} />
                  {session?.stateReason && <p className="muted small">{session.stateReason}</p>}
                </div>
              )}
              {overlay.kind === 'hibernated' && (
                <>
                  <p>{overlay.text} Your work is saved.</p>
                  <button className="btn primary" disabled={!!busy} onClick={() => act('wake')} data-testid="overlay-wake">
                    {busy === 'wake' ? 'Waking…' : 'Wake it up'}
                  </button>
                </>
              )}
              {overlay.kind === 'failed' && (
                <>
                  <p>{overlay.text}</p>
                  {session?.stateReason && <p className="muted small">{session.stateReason}</p>}
                  <div className="row-actions">
                    <button className="btn primary" disabled={!!busy} onClick={() => act('wake')}>
                      Restart
                    </button>
                    <button className="btn danger-outline" disabled={!!busy} onClick={() => act('terminate')}>
                      Terminate
                    </button>
                  </div>
                </>
              )}
              {(overlay.kind === 'ended' || overlay.kind === 'error') && (
                <>
                  <p data-testid="viewer-message">{overlay.text}</p>
                  <div className="row-actions">
                    <Link className="btn primary" to="/catalog">
                      Launch an app
                    </Link>
                    <Link className="btn" to="/sessions">
                      My sessions
                    </Link>
                  </div>
                </>
              )}
            </div>
          </div>
        )}
        {clipOpen && (
          <aside className="clip-panel" data-testid="clipboard-panel">
            <div className="clip-head">
              <strong>Clipboard</strong>
              <button className="icon-btn" aria-label="Close clipboard" onClick={() => setClipOpen(false)}>
                ×
              </button>
            </div>
            <p className="muted small">
              Text copied in the session appears here. To paste into the session, put text here and send it, then paste
              there.
            </p>
            <textarea
              data-testid="clipboard-text"
              value={clipText}
              rows={7}
              onChange={(e) => {
                setClipText(e.target.value);
                setRemoteClip(false);
              }}
            />
            <div className="row-actions">
              <button className="btn small primary" onClick={sendClipboard} data-testid="clipboard-send">
                Send to session
              </button>
              <CopyButton text={clipText} testId="clipboard-copy" />
              <button
                className="btn small ghost"
                onClick={async () => {
                  try {
                    setClipText(await navigator.clipboard.readText());
                  } catch {
                    toast.show('The browser does not allow reading your clipboard here: paste with Ctrl+V.', 'error');
                  }
                }}
              >
                Paste mine
              </button>
            </div>
          </aside>
        )}
      </div>
    </div>
  );
}

