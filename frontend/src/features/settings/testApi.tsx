/**
 * Test helpers: a fake server behind `fetch` (the client and apiFetch both end there), answering
 * from a route table and recording every call, so component tests see real request bodies.
 *
 * Import it BEFORE the components: the generated client captures `Request` when it is created,
 * and Node's Request (unlike a browser's) refuses the same-origin relative URLs the console uses,
 * so this module first makes Request resolve them against the page, as a browser does.
 */
import { MantineProvider } from '@mantine/core';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render } from '@testing-library/react';
import type { ReactElement, ReactNode } from 'react';
import { MemoryRouter } from 'react-router';
import { vi } from 'vitest';

const NodeRequest = globalThis.Request;
class PageRequest extends NodeRequest {
  constructor(input: RequestInfo | URL, init?: RequestInit) {
    super(typeof input === 'string' && input.startsWith('/') ? new URL(input, window.location.origin) : input, init);
  }
}
globalThis.Request = PageRequest as typeof Request;
// Mantine's combobox scrolls the active option into view; jsdom has no layout to scroll.
if (!Element.prototype.scrollIntoView) Element.prototype.scrollIntoView = () => {};

export interface Call {
  method: string;
  path: string;
  query: URLSearchParams;
  body: unknown;
}
type Answer = ((call: Call) => unknown) | Response | Record<string, unknown> | unknown[];

const json = (data: unknown, status = 200) =>
  new Response(status === 204 ? null : JSON.stringify(data), { status, headers: { 'content-type': 'application/json' } });

/** A problem-details error answer. */
export const problem = (status: number, detail: string, errors?: { field: string; message: string }[]) =>
  new Response(JSON.stringify({ status, title: 'Error', detail, errors }), { status, headers: { 'content-type': 'application/problem+json' } });

export const noContent = () => new Response(null, { status: 204 });

/** `routes` maps "METHOD /path" to an answer (data → 200 JSON, a Response, or a function of the call). */
export function fakeApi(routes: Record<string, Answer>) {
  const calls: Call[] = [];
  const fetch = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const req = input instanceof Request ? input : new Request(new URL(String(input), 'http://localhost'), init);
    const url = new URL(req.url, 'http://localhost');
    const text = req.method === 'GET' ? '' : await req.text();
    let body: unknown = text;
    try { body = text ? JSON.parse(text) : undefined; } catch { /* a form body stays text */ }
    const call = { method: req.method, path: url.pathname, query: url.searchParams, body };
    calls.push(call);
    const key = `${req.method} ${url.pathname}`;
    if (!(key in routes)) return problem(404, `no fake route for ${key}`);
    const answer = routes[key];
    const out = typeof answer === 'function' ? (answer as (c: Call) => unknown)(call) : answer;
    return out instanceof Response ? out : json(out);
  });
  vi.stubGlobal('fetch', fetch);
  return {
    calls,
    /** the calls to METHOD /path */
    to: (method: string, path: string) => calls.filter((c) => c.method === method && c.path === path),
  };
}

export const OWNER = {
  organization: { id: 'o1', name: 'Acme', slug: 'acme', created_at: '2026-01-01T00:00:00Z' },
  role: 'owner',
  scopes: ['read', 'write', 'admin'],
  auth_method: 'password',
  user: { id: 'u1', email: 'owner@acme.example', created_at: '2026-01-01T00:00:00Z' },
};
export const MEMBER = { ...OWNER, role: 'member', scopes: ['read', 'write'], user: { ...OWNER.user, id: 'u2', email: 'm@acme.example' } };

/**
 * Render inside the console's providers with Mantine's test environment (no transitions, no
 * portals: dropdowns, modals and drawers open at once, inside the container) and a router.
 */
export function renderWithApi(ui: ReactElement, path = '/') {
  const qc = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  const wrapper = ({ children }: { children: ReactNode }) => (
    <MantineProvider env="test">
      <QueryClientProvider client={qc}>
        <MemoryRouter initialEntries={[path]}>{children}</MemoryRouter>
      </QueryClientProvider>
    </MantineProvider>
  );
  return render(ui, { wrapper });
}
