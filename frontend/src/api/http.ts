/**
 * The one place the console talks HTTP: same-origin, cookie auth, CSRF header on unsafe
 * methods, problem-details errors, one silent refresh on 401.
 *
 * Hooks call `apiFetch` until the generated client (src/api/client.ts, typed by
 * `npm run gen:api`) covers the endpoints; then they switch to `api.GET(...)`.
 */
import { csrfHeaders } from './csrf';
import { ApiError, toApiError } from './problem';

export const REFRESH_PATH = '/api/v1/auth/refresh';

let refreshing: Promise<boolean> | null = null;

/** localStorage key holding when any tab of this origin last refreshed successfully (ms). */
export const REFRESHED_AT_KEY = 'autonomos.auth.refreshedAt';

function lastRefreshAt(): number {
  try {
    return Number(window.localStorage.getItem(REFRESHED_AT_KEY) ?? 0) || 0;
  } catch {
    return 0;
  }
}

async function postRefresh(sentAt: number): Promise<boolean> {
  // Another tab refreshed after our request left: the shared cookies are already new, and
  // spending the old refresh token again would look like token theft (family revoked).
  if (lastRefreshAt() >= sentAt) return true;
  try {
    const r = await fetch(REFRESH_PATH, { method: 'POST', credentials: 'same-origin', headers: csrfHeaders('POST') });
    if (r.ok) {
      try {
        window.localStorage.setItem(REFRESHED_AT_KEY, String(Date.now()));
      } catch {
        /* storage disabled: single-tab behaviour */
      }
    }
    return r.ok;
  } catch {
    return false;
  }
}

/**
 * One refresh at a time — within this tab (a shared promise) and across tabs (a Web Lock), so
 * tabs whose access tokens expire together do not race the single-use refresh token.
 * `sentAt` is when the request that got 401 was sent.
 */
export async function refreshOnce(sentAt: number = Date.now()): Promise<boolean> {
  if (!refreshing) {
    const locks = typeof navigator !== 'undefined' ? navigator.locks : undefined;
    const run = () => postRefresh(sentAt);
    const held: Promise<boolean> = locks ? locks.request('autonomos-auth-refresh', async () => run()).then((ok) => ok) : run();
    refreshing = held.finally(() => {
      setTimeout(() => (refreshing = null), 0);
    });
    return refreshing;
  }
  return refreshing;
}

const AUTH_PREFIX = '/api/v1/auth/';

/**
 * fetch with one silent refresh: a 401 outside /api/v1/auth/ spends the refresh cookie
 * (POST /api/v1/auth/refresh, with the CSRF header) and retries the request once. Used by the
 * generated client and by `apiFetch`.
 */
export async function fetchWithRefresh(request: Request): Promise<Response> {
  const retry = request.clone();
  const sentAt = Date.now();
  const res = await fetch(request);
  const path = new URL(request.url, window.location.origin).pathname;
  if (res.status !== 401 || path.startsWith(AUTH_PREFIX) || !(await refreshOnce(sentAt))) return res;
  const headers = new Headers(retry.headers);
  for (const [k, v] of Object.entries(csrfHeaders(retry.method))) headers.set(k, v);
  return fetch(new Request(retry, { headers }));
}

export interface FetchOptions extends Omit<RequestInit, 'body'> {
  body?: unknown;
  /** send body as application/x-www-form-urlencoded (OAuth2 password form) */
  form?: boolean;
  /** do not try the refresh endpoint on 401 */
  noRefresh?: boolean;
}

export async function apiFetch<T>(path: string, opts: FetchOptions = {}): Promise<T> {
  const method = (opts.method ?? 'GET').toUpperCase();
  const headers: Record<string, string> = {
    Accept: 'application/json',
    ...csrfHeaders(method),
    ...(opts.headers as Record<string, string> | undefined),
  };
  let body: BodyInit | undefined;
  if (opts.body !== undefined) {
    if (opts.form) {
      body = new URLSearchParams(opts.body as Record<string, string>);
      headers['Content-Type'] = 'application/x-www-form-urlencoded';
    } else {
      body = JSON.stringify(opts.body);
      headers['Content-Type'] = 'application/json';
    }
  }
  const doFetch = () => fetch(path, { ...opts, method, headers, body, credentials: 'same-origin' });
  const sentAt = Date.now();
  let res = await doFetch();
  if (res.status === 401 && !opts.noRefresh && (await refreshOnce(sentAt))) {
    headers['X-CSRF-Token'] = csrfHeaders(method)['X-CSRF-Token'] ?? headers['X-CSRF-Token'];
    res = await doFetch();
  }
  if (!res.ok) throw await toApiError(res);
  if (res.status === 204) return undefined as T;
  const type = res.headers.get('content-type') ?? '';
  if (!type.includes('json')) {
    throw new ApiError(res.status, { status: res.status, title: `expected JSON from ${path}, got ${type || 'nothing'}` });
  }
  return (await res.json()) as T;
}
