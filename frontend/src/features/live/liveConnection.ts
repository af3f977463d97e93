/**
 * One resilient WebSocket to /ws/events: reconnects with exponential backoff, resumes with
 * `?since=<last event id>` so nothing is missed or repeated, and stays quiet while the endpoint
 * does not exist yet (a failed connect is just another backoff step). The server ends a socket
 * (code 4401) when the access token that opened it expires: then the session is refreshed once
 * and the socket reopens at once, resuming where it stopped.
 */
import type { EngineEvent } from '../../api/types';
import { backoffDelay, type BackoffOptions } from './backoff';

export type LiveStatus = 'connecting' | 'open' | 'waiting' | 'closed';

export interface SocketLike {
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: { code?: number }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  close(): void;
}

export interface LiveConnectionOptions {
  /** path on the same origin */
  path?: string;
  /** resume after this id (e.g. the newest event already shown) */
  since?: number;
  backoff?: BackoffOptions;
  createSocket?: (url: string) => SocketLike;
  /** page origin → ws(s) origin; injectable for tests */
  origin?: string;
  setTimer?: (fn: () => void, ms: number) => unknown;
  clearTimer?: (t: unknown) => void;
  onEvent: (ev: EngineEvent) => void;
  onStatus?: (s: LiveStatus, info: { attempt: number; retryInMs?: number }) => void;
  /** refresh the session after a 4401 close; `openedAt` is when the closed socket was opened */
  refreshSession?: (openedAt: number) => Promise<boolean>;
}

/** Close code of a socket whose credential expired or was revoked. */
export const AUTH_CLOSE = 4401;

export function eventsUrl(origin: string, path: string, since: number | null): string {
  const ws = origin.replace(/^http/, 'ws');
  return since != null && since > 0 ? `${ws}${path}?since=${since}` : `${ws}${path}`;
}

export function parseEvent(raw: unknown): EngineEvent | null {
  try {
    const v = typeof raw === 'string' ? JSON.parse(raw) : raw;
    if (v && typeof v === 'object' && typeof v.type === 'string' && typeof v.id === 'number') {
      return { data: {}, run_id: null, ts: Date.now() / 1000, ...v } as EngineEvent;
    }
  } catch {
    // not JSON: ignore (the server sends only events; a heartbeat text frame is fine)
  }
  return null;
}

export class LiveConnection {
  private socket: SocketLike | null = null;
  private timer: unknown = null;
  private attempt = 0;
  private stopped = false;
  /** 4401 refreshes since the last frame: a second 4401 in a row falls back to the backoff */
  private authRefreshes = 0;
  lastId: number | null;
  readonly opts: LiveConnectionOptions;

  constructor(opts: LiveConnectionOptions) {
    this.opts = opts;
    this.lastId = opts.since ?? null;
  }

  start(): void {
    this.stopped = false;
    this.connect();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer != null) (this.opts.clearTimer ?? clearTimeout)(this.timer as number);
    this.timer = null;
    const s = this.socket;
    this.socket = null;
    if (s) {
      s.onclose = null;
      s.onerror = null;
      s.onmessage = null;
      s.close();
    }
    this.opts.onStatus?.('closed', { attempt: this.attempt });
  }

  private connect(): void {
    if (this.stopped) return;
    const origin = this.opts.origin ?? window.location.origin;
    const url = eventsUrl(origin, this.opts.path ?? '/ws/events', this.lastId);
    this.opts.onStatus?.('connecting', { attempt: this.attempt });
    let socket: SocketLike;
    try {
      socket = (this.opts.createSocket ?? ((u) => new WebSocket(u) as unknown as SocketLike))(url);
    } catch {
      this.scheduleRetry();
      return;
    }
    this.socket = socket;
    const openedAt = Date.now();
    socket.onopen = () => {
      this.attempt = 0;
      this.opts.onStatus?.('open', { attempt: 0 });
    };
    socket.onmessage = (m) => {
      this.authRefreshes = 0; // the server spoke after authenticating us
      // one event per frame, or a JSON array of events (a replay batch)
      let items: unknown[] = [m.data];
      if (typeof m.data === 'string' && m.data.trimStart().startsWith('[')) {
        try {
          items = JSON.parse(m.data) as unknown[];
        } catch {
          return;
        }
      }
      for (const item of items) {
        const ev = parseEvent(item);
        if (!ev) continue;
        if (this.lastId != null && ev.id <= this.lastId) continue; // replay overlap
        this.lastId = ev.id;
        this.opts.onEvent(ev);
      }
    };
    socket.onerror = () => {
      // onclose follows; the retry is scheduled there
    };
    socket.onclose = (ev) => {
      if (this.socket !== socket) return;
      this.socket = null;
      const refresh = this.opts.refreshSession;
      if (ev?.code === AUTH_CLOSE && refresh && this.authRefreshes === 0) {
        this.authRefreshes += 1;
        this.opts.onStatus?.('connecting', { attempt: this.attempt });
        void refresh(openedAt).then((ok) => (ok ? this.connect() : this.scheduleRetry()), () => this.scheduleRetry());
        return;
      }
      this.scheduleRetry();
    };
  }

  private scheduleRetry(): void {
    if (this.stopped) return;
    const delay = backoffDelay(this.attempt, this.opts.backoff);
    this.attempt += 1;
    this.opts.onStatus?.('waiting', { attempt: this.attempt, retryInMs: delay });
    this.timer = (this.opts.setTimer ?? setTimeout)(() => {
      this.timer = null;
      this.connect();
    }, delay);
  }
}
