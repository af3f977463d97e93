import { fakeApi, renderWithApi, OWNER } from '../settings/testApi'; // first: see testApi.tsx
import { act, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { LiveContext } from '../live/LiveEventsProvider';
import { LiveStore } from '../live/liveStore';
import { RunLog } from './RunLog';
import { RunsPage } from './RunsPage';

type Level = 'info' | 'warning' | 'error';
const line = (seq: number, level: Level, stage: string, message: string, table: string | null = null) =>
  ({ seq, ts: 1767225600 + seq, level, stage, source: table ? 'crm' : null, table, message });

const DONE = [
  line(1, 'info', 'run', 'run started (p.yaml): 1 source(s): crm'),
  line(2, 'warning', 'connect', "files: customers.csv: 2 row(s) do not have the header's 3 cells, kept", 'customers'),
  line(4, 'warning', 'normalize', '60 row(s) kept, 2 bad cell(s) set to null', 'weather'),
  line(6, 'error', 'run', "files: 'missing.csv' does not exist"),
  line(7, 'error', 'run', "run failed: files: 'missing.csv' does not exist"),
];

afterEach(() => vi.unstubAllGlobals());

describe('RunLog', () => {
  it('shows each line with its level, stage and table, and filters by level from the keyboard', async () => {
    fakeApi({ 'GET /api/v1/runs/run1/logs': { run_id: 'run1', status: 'failed', items: DONE, next_after: 7, complete: true } });
    const user = userEvent.setup();
    renderWithApi(<RunLog id="run1" />);
    const region = await screen.findByRole('log', { name: 'Log' });
    const rows = within(region).getAllByTestId('log-line');
    expect(rows.map((r) => r.getAttribute('data-level'))).toEqual(['info', 'warning', 'warning', 'error', 'error']);
    expect(rows[2]).toHaveTextContent('normalize');
    expect(rows[2]).toHaveTextContent('crm.weather');
    expect(rows[2]).toHaveTextContent('2 bad cell(s) set to null');
    expect(rows[4]).toHaveTextContent("run failed: files: 'missing.csv' does not exist");
    expect(region).toHaveAttribute('tabindex', '0'); // scrollable from the keyboard
    expect(screen.getByTestId('run-log-mode')).toHaveTextContent('5 lines');

    // the level filter is a radio group: Tab to it, arrows move the choice
    const errors = screen.getByRole('radio', { name: 'Errors 2' });
    const all = screen.getByRole('radio', { name: 'All 5' });
    expect(screen.getByRole('radio', { name: 'Warnings 4' })).toBeInTheDocument();
    all.focus();
    await user.keyboard('{ArrowRight}{ArrowRight}');
    await waitFor(() => expect(errors).toBeChecked());
    expect(within(screen.getByRole('log')).getAllByTestId('log-line').map((r) => r.getAttribute('data-level'))).toEqual(['error', 'error']);
    await user.click(screen.getByText('Warnings 4'));
    expect(within(screen.getByRole('log')).getAllByTestId('log-line')).toHaveLength(4);
  });

  it('appends lines live on the run\'s socket events, then stops once the run is complete', async () => {
    const pages = [
      { run_id: 'run2', status: 'running', items: DONE.slice(0, 2), next_after: 2, complete: false },
      { run_id: 'run2', status: 'running', items: [DONE[2]], next_after: 4, complete: false },
      { run_id: 'run2', status: 'success', items: [line(9, 'info', 'run', 'run finished in 1.2 s: 2 table(s), 63 row(s), 0 rejected')], next_after: 9, complete: true },
    ];
    let served = 0;
    const api = fakeApi({ 'GET /api/v1/runs/run2/logs': () => pages[Math.min(served++, pages.length - 1)] });
    const store = new LiveStore();
    store.setStatus('open');
    renderWithApi(<LiveContext.Provider value={store}><RunLog id="run2" pollMs={60_000} /></LiveContext.Provider>);
    await waitFor(() => expect(screen.getAllByTestId('log-line')).toHaveLength(2));
    expect(screen.getByTestId('run-log-mode')).toHaveTextContent('following live');

    act(() => store.push({ id: 3, ts: 0, type: 'stage_progress', run_id: 'other', data: {} })); // not this run
    act(() => store.push({ id: 4, ts: 0, type: 'run_log', run_id: 'run2', data: {} }));
    await waitFor(() => expect(screen.getAllByTestId('log-line')).toHaveLength(3));
    expect(api.to('GET', '/api/v1/runs/run2/logs').map((c) => c.query.get('after'))).toEqual(['0', '2']);
    expect(store.getSnapshot().events.map((e) => e.id)).toEqual([3]); // log lines never crowd the event window

    act(() => store.push({ id: 9, ts: 0, type: 'run_finished', run_id: 'run2', data: {} }));
    await waitFor(() => expect(screen.getAllByTestId('log-line')).toHaveLength(4));
    expect(screen.getByTestId('run-log-mode')).toHaveTextContent('4 lines');
    act(() => store.push({ id: 10, ts: 0, type: 'run_log', run_id: 'run2', data: {} }));
    expect(api.to('GET', '/api/v1/runs/run2/logs')).toHaveLength(3); // complete: no more reads
  });

  it('polls while the socket is down', async () => {
    let served = 0;
    const api = fakeApi({
      'GET /api/v1/runs/run3/logs': () => (served++ === 0
        ? { run_id: 'run3', status: 'running', items: [DONE[0]], next_after: 1, complete: false }
        : { run_id: 'run3', status: 'failed', items: DONE.slice(3), next_after: 7, complete: true }),
    });
    const store = new LiveStore(); // status 'closed'
    renderWithApi(<LiveContext.Provider value={store}><RunLog id="run3" pollMs={30} /></LiveContext.Provider>);
    await waitFor(() => expect(screen.getAllByTestId('log-line')).toHaveLength(3));
    expect(screen.getAllByTestId('log-line').at(-1)).toHaveAttribute('data-level', 'error');
    // the first read, then the timer's, after the last line seen; none once complete
    const reads = api.to('GET', '/api/v1/runs/run3/logs').map((c) => c.query.get('after'));
    expect(reads).toEqual(['0', '1']);
    await new Promise((r) => setTimeout(r, 120));
    expect(api.to('GET', '/api/v1/runs/run3/logs')).toHaveLength(2);
  });

  it('is the Log section of the run drawer', async () => {
    fakeApi({
      'GET /api/v1/auth/me': OWNER,
      'GET /api/v1/tasks': { items: [], next_cursor: null },
      'GET /api/v1/runs': { items: [{ id: 'run1', status: 'failed', started_at: 1767225600, pipeline: 'p.yaml', stats: {}, error: 'x' }] },
      'GET /api/v1/runs/run1': { id: 'run1', status: 'failed', started_at: 1767225600, pipeline: 'p.yaml', stats: {}, events: [], tables: [] },
      'GET /api/v1/runs/run1/logs': { run_id: 'run1', status: 'failed', items: DONE, next_after: 7, complete: true },
    });
    const user = userEvent.setup();
    renderWithApi(<RunsPage />);
    const row = await screen.findByTestId('run-run1');
    await user.click(within(row).getByRole('button', { name: 'Stages of run run1' }));
    const log = await screen.findByTestId('run-log');
    await waitFor(() => expect(within(log).getAllByTestId('log-line')).toHaveLength(5));
  });
});
