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

async function refreshOnce(): Promise<boolean> {
  if (!refreshing) {
    refreshing = fetch(REFRESH_PATH, {
      method: 'POST',
      credentials: 'same-origin',
      headers: csrfHeaders('POST'),
    })
      .then((r) => r.ok)
      .catch(() => false)
      .finally(() => {
        setTimeout(() => (refreshing = null), 0);
      });
  }
  return refreshing;
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
  let res = await doFetch();
  if (res.status === 401 && !opts.noRefresh && (await refreshOnce())) {
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
