import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { MemoryRouter } from 'react-router';
import { renderWithProviders } from '../../test/render';

// The typed client builds `new Request('/api/…')`; Node's Request needs an absolute URL.
vi.hoisted(() => {
  const NodeRequest = globalThis.Request;
  globalThis.Request = class extends NodeRequest {
    constructor(input: RequestInfo | URL, init?: RequestInit) {
      super(typeof input === 'string' && input.startsWith('/') ? new URL(input, 'http://console.test') : input, init);
    }
  } as typeof Request;
});

const { SourcesPage } = await import('./SourcesPage');

const SQL_SCHEMA = {
  type: 'object',
  properties: {
    url: { type: 'string', title: 'Url', 'x-secret-parts': 'a password inside the URL is stored encrypted and shown as ***' },
    tables: { type: 'array', items: { type: 'string' }, title: 'Tables', default: null },
    batch_size: { type: 'integer', title: 'Batch size', default: 50000 },
  },
  required: ['url'],
  additionalProperties: false,
};
const CONNECTORS = [
  { name: 'files', title: 'Files (CSV, JSON, Parquet)', icon: 'csv', description: 'Reads ``files`` (see module docstring).', config_schema: { type: 'object', properties: { path: { type: 'string', title: 'Path' } }, required: ['path'], additionalProperties: false } },
  { name: 'sql', title: 'SQL database', icon: 'database', description: 'Reads tables.', config_schema: SQL_SCHEMA },
];
const WAREHOUSE = { id: '11111111-1111-1111-1111-111111111111', name: 'warehouse', connector: 'sql', config: { url: '***', batch_size: 100 }, created_at: '2026-01-01T00:00:00Z', updated_at: '2026-01-01T00:00:00Z' };
const CRM = { ...WAREHOUSE, id: '22222222-2222-2222-2222-222222222222', name: 'crm', config: { url: '***' } };
const TASK = { id: '33333333-3333-3333-3333-333333333333', kind: 'dcl.connect', status: 'queued', attempts: 0, max_attempts: 3, progress: 0, progress_message: null, result: null, error: null, callback_url: null, cancel_requested: false, created_at: '2026-01-01T00:00:00Z', started_at: null, finished_at: null, not_before: null, lease_until: null, retry_of: null };

type Handler = (body: unknown, url: URL) => [number, unknown] | unknown;
let routes: Record<string, Handler>;
let sent: { method: string; path: string; body: unknown }[];

function json(status: number, body: unknown) {
  return new Response(status === 204 ? null : JSON.stringify(body), {
    status,
    headers: { 'content-type': status >= 400 ? 'application/problem+json' : 'application/json' },
  });
}

beforeEach(() => {
  sent = [];
  routes = {
    'GET /api/v1/auth/me': () => ({ role: 'owner', scopes: ['admin'], auth_method: 'cookie', organization: { id: 'o', name: 'Org', slug: 'org' } }),
    'GET /api/v1/sources': () => ({ items: [WAREHOUSE, CRM] }),
    'GET /dcl/sources': () => [
      { name: 'crm', connector: 'sql', title: 'SQL database', icon: 'database', status: 'ok', last_run_id: 'r', config: {}, tables: [{ name: 'accounts', rows: 12, rejected: 0, fields: 4, primary_key: ['id'] }] },
      { name: 'salesforce', connector: 'demo', title: 'Salesforce', icon: 'salesforce', status: 'ok', last_run_id: 'r', config: {}, tables: [] },
    ],
    'GET /api/v1/connectors': () => CONNECTORS,
    'GET /api/v1/files': () => ({ items: [] }),
  };
  vi.stubGlobal('fetch', vi.fn(async (req: Request) => {
    const url = new URL(req.url);
    const key = `${req.method} ${url.pathname.replace(/[0-9a-f]{8}-[0-9a-f-]{27}/, '{id}')}`;
    const text = req.method === 'GET' ? '' : await req.text();
    const body = text ? JSON.parse(text) : undefined;
    sent.push({ method: req.method, path: url.pathname, body });
    const handler = routes[key];
    if (!handler) return json(404, { status: 404, title: 'Not Found', detail: key });
    const out = handler(body, url);
    return Array.isArray(out) && typeof out[0] === 'number' && out.length === 2 ? json(out[0], out[1]) : json(200, out);
  }));
});
afterEach(() => vi.unstubAllGlobals());

const renderPage = () => renderWithProviders(<MemoryRouter><SourcesPage /></MemoryRouter>);

describe('SourcesPage', () => {
  it('lists stored sources with secrets as "stored", keeps the connected tables, tests a connection inline', async () => {
    routes['POST /api/v1/sources/{id}/test'] = () => ({ ok: false, seconds: 0.02, error: 'could not connect: timeout', tables: [] });
    renderPage();
    const card = await screen.findByTestId('stored-warehouse');
    expect(within(card).getByText('stored (hidden)')).toBeInTheDocument();
    expect(within(card).getByText('100')).toBeInTheDocument();
    expect(within(await screen.findByTestId('stored-crm')).getByText('connected')).toBeInTheDocument();
    expect(await screen.findByText('accounts')).toBeInTheDocument(); // the connected tables stay
    await userEvent.click(within(card).getByRole('button', { name: 'Test connection' }));
    expect(await within(card).findByText('could not connect: timeout')).toBeInTheDocument();
    expect(within(card).getByText('Connection failed')).toBeInTheDocument();
  });

  it('adds a source: validates from the schema, then shows the server 422 at the field it names', async () => {
    routes['POST /api/v1/sources'] = () => [422, { status: 422, title: 'Validation failed', detail: 'config.url: bad', errors: [{ field: 'config.url', message: 'unknown database dialect' }] }];
    renderPage();
    await userEvent.click(await screen.findByRole('button', { name: 'Add source' }));
    const dialog = await screen.findByRole('dialog');
    expect(within(dialog).getByText('Reads files.')).toBeInTheDocument(); // docstring cleaned for people
    await userEvent.click(within(dialog).getByRole('radio', { name: 'SQL database' }));
    const url = within(dialog).getByRole('textbox', { name: /URL/ });
    await userEvent.click(within(dialog).getByRole('button', { name: 'Add source' }));
    expect(url).toHaveAttribute('aria-invalid', 'true');
    expect(within(dialog).getAllByText('Required').length).toBeGreaterThan(0);
    expect(sent.filter((s) => s.method === 'POST')).toHaveLength(0); // nothing sent while the form is invalid
    await userEvent.type(url, 'nosuch://h/db');
    await userEvent.click(within(dialog).getByRole('button', { name: 'Add source' }));
    expect(await within(dialog).findByText('Unknown database dialect')).toBeInTheDocument();
    expect(url).toHaveAttribute('aria-invalid', 'true');
    expect(sent.find((s) => s.method === 'POST')?.body).toEqual({ name: 'sql', connector: 'sql', config: { url: 'nosuch://h/db', batch_size: 50000 } });
  });

  it('edits a source without ever holding its secret: blank sends "***"', async () => {
    routes['PATCH /api/v1/sources/{id}'] = (body) => ({ ...WAREHOUSE, ...(body as object) });
    renderPage();
    const card = await screen.findByTestId('stored-warehouse');
    await userEvent.click(within(card).getByRole('button', { name: 'Edit warehouse' }));
    const dialog = await screen.findByRole('dialog');
    const url = within(dialog).getByLabelText(/URL/) as HTMLInputElement;
    expect(url.type).toBe('password');
    expect(url.value).toBe('');
    expect(url.placeholder).toBe('stored — leave blank to keep');
    expect(dialog.innerHTML).not.toContain('***');
    const batch = within(dialog).getByRole('textbox', { name: /Batch size/ });
    await userEvent.clear(batch);
    await userEvent.type(batch, '250');
    await userEvent.click(within(dialog).getByRole('button', { name: 'Save changes' }));
    await screen.findByTestId('saved-alert');
    expect(sent.find((s) => s.method === 'PATCH')?.body).toEqual({ name: 'warehouse', config: { url: '***', batch_size: 250 } });
  });

  it('runs just the source (the server keeps the other connected ones) and follows the task to its end', async () => {
    let polls = 0;
    routes['POST /dcl/connect'] = () => [202, TASK];
    routes['GET /api/v1/tasks/{id}'] = () => (++polls < 2
      ? { ...TASK, status: 'in_progress', progress: 0.4, progress_message: 'connect warehouse.orders' }
      : { ...TASK, status: 'success', progress: 1, progress_message: 'done', result: { stats: { tables: 3, rows: 1234 } } });
    renderPage();
    const card = await screen.findByTestId('stored-warehouse');
    await screen.findByTestId('connected-crm');
    fireEvent.click(within(card).getByRole('button', { name: 'Run' }));
    await waitFor(() => expect(sent.find((s) => s.path === '/dcl/connect')).toBeDefined());
    // crm and the demo's salesforce are connected: the server keeps them, nothing needs resending
    expect(sent.find((s) => s.path === '/dcl/connect')?.body).toEqual({ sources: [WAREHOUSE.id], demo: false, exclusive: false, full_refresh: false });
    const progress = await within(card).findByTestId('run-progress', {}, { timeout: 3000 });
    await waitFor(() => expect(progress).toHaveAttribute('data-status', 'success'), { timeout: 4000 });
    expect(progress).toHaveTextContent('Connected 3 tables, 1,234 rows.');
    expect(within(progress).getByRole('link', { name: 'See it in Runs' })).toHaveAttribute('href', '/runs');
  });

  it('shows a failed run, and deleting a connected source after confirming removes it from the catalog too', async () => {
    routes['POST /dcl/connect'] = () => [202, { ...TASK, status: 'failed', error: 'boom' }];
    routes['GET /api/v1/tasks/{id}'] = () => ({ ...TASK, status: 'failed', error: 'boom' });
    routes['DELETE /api/v1/sources/{id}'] = () => [204, null];
    routes['DELETE /dcl/sources/crm'] = () => ({ removed: 'crm', version: 3 });
    renderPage();
    const card = await screen.findByTestId('stored-warehouse');
    expect(screen.queryByRole('switch')).not.toBeInTheDocument(); // no "keep the others": runs never remove
    await userEvent.click(within(card).getByRole('button', { name: 'Run' }));
    await waitFor(() => expect(sent.find((s) => s.path === '/dcl/connect')?.body).toEqual({ sources: [WAREHOUSE.id], demo: false, exclusive: false, full_refresh: false }));
    expect(await within(card).findByText('boom')).toBeInTheDocument();
    // warehouse is not connected: only the stored definition goes
    await userEvent.click(within(card).getByRole('button', { name: 'Delete warehouse' }));
    let confirm = await screen.findByRole('dialog', { name: 'Delete warehouse?' });
    expect(sent.some((s) => s.method === 'DELETE')).toBe(false);
    await userEvent.click(within(confirm).getByRole('button', { name: 'Delete' }));
    await waitFor(() => expect(sent.filter((s) => s.method === 'DELETE').map((s) => s.path)).toEqual([`/api/v1/sources/${WAREHOUSE.id}`]));
    // crm is connected: its tables leave the catalog too, and the dialog says so first
    const crm = await screen.findByTestId('stored-crm');
    await userEvent.click(within(crm).getByRole('button', { name: 'Delete crm' }));
    confirm = await screen.findByRole('dialog', { name: 'Delete crm?' });
    expect(confirm).toHaveTextContent('its tables leave the catalog');
    await userEvent.click(within(confirm).getByRole('button', { name: 'Delete' }));
    await waitFor(() => expect(sent.filter((s) => s.method === 'DELETE').map((s) => s.path)).toContain('/dcl/sources/crm'));
  });
});
