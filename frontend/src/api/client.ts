/**
 * The generated, typed API client. `paths` comes from src/api/schema.d.ts, which
 * `npm run gen:api` writes from ../autonomos/server/openapi.json (the server's /schema/openapi.json).
 */
import createClient, { type Middleware } from 'openapi-fetch';
import type { paths } from './schema';
import { csrfHeaders } from './csrf';

const csrf: Middleware = {
  onRequest({ request }) {
    for (const [k, v] of Object.entries(csrfHeaders(request.method))) request.headers.set(k, v);
    return request;
  },
};

export const api = createClient<paths>({ baseUrl: '', credentials: 'same-origin' });
api.use(csrf);
