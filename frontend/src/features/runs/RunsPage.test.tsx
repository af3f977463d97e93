import { fakeApi, renderWithApi, OWNER } from '../settings/testApi'; // first: see testApi.tsx
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { RunsPage } from './RunsPage';

const task = (id: string, status: string, extra: Record<string, unknown> = {}) => ({
  id, kind: 'dcl.connect', status, attempts: 1, max_attempts: 3, progress: status === 'success' ? 1 : 0.05,
  progress_message: status === 'success' ? 'done' : 'connect crm', result: null, error: null, callback_url: null,
  cancel_requested: false, created_at: `2026-01-01T00:00:0${id.slice(-1)}Z`, started_at: null, finished_at: null,
  not_before: null, lease_until: null, retry_of: null, ...extra,
});

const STATS = { sources: 1, tables: 2, rows: 140, rejected: 3, deduplicated: 1, bad_cells: 4, unchanged: 1, mapped_fields: 9, review: 2, entities: 1, agents: { revops: 'ok' }, seconds: 1.5,
  notes: ['crm: 1 of 2 table(s) unchanged since the last run, not read again (--full-refresh reads them)'] };

afterEach(() => vi.unstubAllGlobals());

describe('RunsPage', () => {
  it('lists tasks newest first, cancels active ones, retries a failed one and shows the retry', async () => {
    const older = [task('aaaaaaaa-0000-0000-0000-000000000001', 'success', { result: { run_id: 'run1' } })];
    const newer = [
      task('bbbbbbbb-0000-0000-0000-000000000002', 'failed', { attempts: 3, error: "ConnectorError: files: 'crm.csv' does not exist" }),
      task('cccccccc-0000-0000-0000-000000000003', 'queued'),
    ];
    const api = fakeApi({
      'GET /api/v1/auth/me': OWNER,
      'GET /api/v1/runs': { items: [{ id: 'run1', status: 'success', started_at: 1767225600, finished_at: 1767225602, pipeline: 'dcl.connect', stats: STATS, error: null }] },
      'GET /api/v1/runs/run1': {
        id: 'run1', status: 'success', started_at: 1767225600, pipeline: 'dcl.connect', stats: STATS, events: [],
        tables: [
          { source: 'crm', table: 'accounts', loaded: 100, rows: 97, rejected: 3, entity: 'account', mapped: 6, review: 1 },
          { source: 'crm', table: 'contacts', loaded: 43, rows: 43, rejected: 0, entity: 'contact', mapped: 3, review: 1 },
        ],
      },
      // the server pages newest first with order=desc (one page here)
      'GET /api/v1/tasks': (c) => ({ items: c.query.get('order') === 'desc' ? [...newer].reverse().concat(older) : [], next_cursor: null }),
      'POST /api/v1/tasks/cccccccc-0000-0000-0000-000000000003/cancel': () => ({ ...newer[1], status: 'cancelled' }),
      'POST /api/v1/tasks/bbbbbbbb-0000-0000-0000-000000000002/retry': () => {
        const t = task('dddddddd-0000-0000-0000-000000000004', 'queued', { retry_of: newer[0].id });
        newer.push(t);
        return t;
      },
    });
    const user = userEvent.setup();
    renderWithApi(<RunsPage />);
    const table = await screen.findByTestId('tasks');
    await waitFor(() => expect(within(table).getAllByRole('row')).toHaveLength(4));
    const order = within(table).getAllByRole('row').slice(1).map((r) => r.getAttribute('data-testid'));
    expect(order).toEqual(['task-cccccccc-0000-0000-0000-000000000003', 'task-bbbbbbbb-0000-0000-0000-000000000002', 'task-aaaaaaaa-0000-0000-0000-000000000001']);

    const success = screen.getByTestId('task-aaaaaaaa-0000-0000-0000-000000000001');
    expect(within(success).queryByRole('button', { name: /Retry|Cancel/ })).not.toBeInTheDocument();

    await user.click(screen.getByRole('button', { name: 'Cancel task cccccccc' }));
    await waitFor(() => expect(api.to('POST', '/api/v1/tasks/cccccccc-0000-0000-0000-000000000003/cancel')).toHaveLength(1));

    const failed = screen.getByTestId('task-bbbbbbbb-0000-0000-0000-000000000002');
    expect(within(failed).getByTestId('task-error')).toHaveTextContent("'crm.csv' does not exist");
    await user.click(within(failed).getByRole('button', { name: 'Retry task bbbbbbbb' }));
    expect(await screen.findByTestId('retry-queued')).toHaveTextContent('Retry queued as task dddddddd');
    const retried = await screen.findByTestId('task-dddddddd-0000-0000-0000-000000000004');
    expect(within(retried).getByTestId('retry-of')).toHaveTextContent('retry of bbbbbbbb');
    const original = screen.getByTestId('task-bbbbbbbb-0000-0000-0000-000000000002');
    expect(within(original).getByText('retried as dddddddd')).toBeInTheDocument();
    expect(within(original).queryByRole('button', { name: /Retry/ })).not.toBeInTheDocument(); // retried once
    expect(within(table).getAllByRole('row')[1]).toBe(retried); // newest on top
  });

  it('opens a run stage by stage and per table, with its rejected rows', async () => {
    fakeApi({
      'GET /api/v1/auth/me': OWNER,
      'GET /api/v1/tasks': { items: [], next_cursor: null },
      'GET /api/v1/runs': { items: [{ id: 'run1', status: 'success', started_at: 1767225600, pipeline: 'dcl.connect', stats: STATS, error: null }] },
      'GET /api/v1/runs/run1': {
        id: 'run1', status: 'success', started_at: 1767225600, pipeline: 'dcl.connect', stats: STATS, events: [],
        tables: [{ source: 'crm', table: 'accounts', loaded: 100, rows: 97, rejected: 3, entity: 'account', mapped: 6, review: 1 }],
      },
    });
    const user = userEvent.setup();
    renderWithApi(<RunsPage />);
    const row = await screen.findByTestId('run-run1');
    expect(row).toHaveTextContent('140'); // rows
    await user.click(within(row).getByRole('button', { name: 'Stages of run run1' }));
    const details = await screen.findByTestId('run-details');
    await waitFor(() => expect(details).toHaveTextContent('crm.accounts'));
    expect(details).toHaveTextContent('100 rows read');
    expect(details).toHaveTextContent('140 rows kept');
    expect(details).toHaveTextContent('3 rejected');
    expect(details).toHaveTextContent('1 deduplicated');
    expect(details).toHaveTextContent('4 unreadable cells set to null');
    expect(details).toHaveTextContent('1 tables unchanged, not read again');
    expect(screen.getByTestId('run-notes')).toHaveTextContent('crm: 1 of 2 table(s) unchanged since the last run');
    expect(details).toHaveTextContent('9 fields mapped');
    expect(details).toHaveTextContent('revops: ok');
    const cells = within(details).getAllByRole('row')[1];
    expect(within(cells).getAllByRole('cell').map((c) => c.textContent)).toEqual(['crm.accounts', '100', '97', '3', 'account', '6', '1']);
  });
});

describe('RunsPage for a viewer', () => {
  it('offers no retry or cancel (the server would answer 403)', async () => {
    fakeApi({
      'GET /api/v1/auth/me': { ...OWNER, role: 'viewer', scopes: ['read'] },
      'GET /api/v1/runs': { items: [] },
      'GET /api/v1/tasks': { items: [task('bbbbbbbb-0000-0000-0000-000000000002', 'failed'), task('cccccccc-0000-0000-0000-000000000003', 'queued')], next_cursor: null },
    });
    renderWithApi(<RunsPage />);
    const table = await screen.findByTestId('tasks');
    await waitFor(() => expect(within(table).getAllByRole('row')).toHaveLength(3));
    await waitFor(() => expect(within(table).queryByRole('button', { name: /Retry|Cancel/ })).not.toBeInTheDocument());
  });
});
