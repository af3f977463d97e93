/**
 * The generated, typed API client. `paths` comes from src/api/schema.d.ts, which
 * `npm run gen:api` writes from the server's OpenAPI schema. Cookie auth (same origin), CSRF
 * header on unsafe methods, one silent token refresh on 401; `unwrap` turns an error answer into
 * an ApiError carrying the problem-details body.
 */
import createClient, { type Middleware } from 'openapi-fetch';
import type { components, paths } from './schema';
import { csrfHeaders } from './csrf';
import { fetchWithRefresh } from './http';
import { ApiError, type Problem } from './problem';

export type Schemas = components['schemas'];

const csrf: Middleware = {
  onRequest({ request }) {
    for (const [k, v] of Object.entries(csrfHeaders(request.method))) request.headers.set(k, v);
    return request;
  },
};

export const api = createClient<paths>({ baseUrl: '', credentials: 'same-origin', fetch: fetchWithRefresh });
api.use(csrf);

/** The data of a successful answer, or throw ApiError with the server's problem details. */
export async function unwrap<T>(call: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  const { data, error, response } = await call;
  if (!response.ok || error !== undefined) {
    const problem: Problem = error && typeof error === 'object' ? (error as Problem) : { status: response.status, title: response.statusText };
    throw new ApiError(response.status, problem);
  }
  return data as T;
}
