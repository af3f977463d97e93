import { fakeApi, noContent, problem, renderWithApi } from '../settings/testApi'; // first: see testApi.tsx
import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { ScheduleEditor, formatIn } from './ScheduleEditor';

const PID = 'p1';
const URL_ = `/api/v1/pipelines/${PID}/schedule`;
const stored = (over: Record<string, unknown> = {}) => ({
  id: 's1', pipeline_id: PID, pipeline_name: 'crm', cron: '0 6 * * *', timezone: 'Europe/Berlin', catch_up: 'once', paused: false,
  next_run_at: '2026-12-04T05:00:00Z', upcoming: ['2026-12-04T05:00:00Z'], last_tick_at: null, last_task_id: null, last_status: null,
  last_error: null, last_finished_at: null, last_message: null, runs_started: 0, ticks_missed: 0,
  created_at: '2026-12-01T00:00:00Z', updated_at: '2026-12-01T00:00:00Z', ...over,
});
const preview = (c: { body: unknown }) => {
  const { cron, timezone } = c.body as { cron: string; timezone: string };
  if (cron.split(' ').length !== 5) return problem(422, 'cron: …', [{ field: 'cron', message: `'${cron}' has 3 field(s); a cron expression has five` }]);
  if (timezone === 'Europe/Berln') return problem(422, 'timezone: …', [{ field: 'timezone', message: "unknown time zone 'Europe/Berln'; did you mean Europe/Berlin?" }]);
  return { cron, timezone, upcoming: ['2026-12-04T05:00:00Z', '2026-12-05T05:00:00Z', '2026-12-06T05:00:00Z'] };
};

afterEach(() => vi.unstubAllGlobals());

describe('ScheduleEditor', () => {
  it('checks cron and time zone as you type, names the bad field, and saves the schedule', async () => {
    let current: unknown = null;
    const api = fakeApi({
      [`GET ${URL_}`]: () => current ?? problem(404, 'schedule not found'),
      'POST /api/v1/schedules/preview': preview,
      [`PUT ${URL_}`]: (c) => (current = stored({ ...(c.body as object) })),
    });
    const user = userEvent.setup();
    renderWithApi(<ScheduleEditor pipelineId={PID} />);
    expect(await screen.findByText('not scheduled')).toBeInTheDocument();

    const cron = screen.getByLabelText(/^Cron/);
    await user.clear(cron);
    await user.type(cron, '0 6 *');
    expect(await screen.findByText(/has 3 field\(s\)/)).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Schedule' })).toBeDisabled();
    await user.type(cron, ' * *');
    const zone = screen.getAllByLabelText(/^Time zone/).find((el) => el.tagName === 'INPUT')!;
    await user.clear(zone);
    await user.type(zone, 'Europe/Berln');
    expect(await screen.findByText(/did you mean Europe\/Berlin/)).toBeInTheDocument();
    await user.clear(zone);
    await user.type(zone, 'Europe/Berlin');
    await waitFor(() => expect(screen.getByTestId('schedule-preview')).toHaveTextContent('06:00'));
    await user.click(screen.getByRole('radio', { name: 'Skip' }));
    await waitFor(() => expect(screen.getByRole('button', { name: 'Schedule' })).toBeEnabled());
    await user.click(screen.getByRole('button', { name: 'Schedule' }));

    await waitFor(() => expect(api.to('PUT', URL_)).toHaveLength(1));
    expect(api.to('PUT', URL_)[0].body).toEqual({ cron: '0 6 * * *', timezone: 'Europe/Berlin', catch_up: 'skip', paused: false });
    expect(await screen.findByText('active')).toBeInTheDocument();
    expect(screen.getByTestId('schedule-next')).toHaveTextContent(`Next run ${formatIn('2026-12-04T05:00:00Z', 'Europe/Berlin')} Europe/Berlin`);
    expect(screen.getByTestId('schedule-next')).toHaveTextContent('06:00');
  });

  it('shows a paused schedule and its last result, resumes and removes it', async () => {
    let current: unknown = stored({ paused: true, next_run_at: null, upcoming: [], last_tick_at: '2026-12-03T05:00:00Z',
      last_task_id: 't1', last_status: 'failed', last_error: 'stripe: connection refused', runs_started: 3,
      last_message: '2 tick(s) missed since 2026-12-01T05:00:00+00:00; ran once (catch_up: once)' });
    const api = fakeApi({
      [`GET ${URL_}`]: () => current ?? problem(404, 'schedule not found'),
      'POST /api/v1/schedules/preview': preview,
      [`POST ${URL_}/resume`]: () => (current = stored({ runs_started: 3 })),
      [`DELETE ${URL_}`]: () => { current = null; return noContent(); },
    });
    const user = userEvent.setup();
    renderWithApi(<ScheduleEditor pipelineId={PID} />);
    expect(await screen.findByText('paused')).toBeInTheDocument();
    expect(screen.getByTestId('schedule-next')).toHaveTextContent('No next run while paused.');
    const last = screen.getByTestId('schedule-last');
    expect(last).toHaveTextContent('failed');
    expect(last).toHaveTextContent('stripe: connection refused');
    expect(last).toHaveTextContent('ran once (catch_up: once)');
    expect(screen.getByText('3 scheduled runs started')).toBeInTheDocument();

    await user.click(screen.getByRole('button', { name: 'Resume' }));
    expect(await screen.findByText('active')).toBeInTheDocument();
    expect(api.to('POST', `${URL_}/resume`)).toHaveLength(1);
    expect(screen.getByRole('button', { name: 'Pause' })).toBeInTheDocument();
    await user.click(screen.getByRole('button', { name: 'Remove' }));
    expect(await screen.findByText('not scheduled')).toBeInTheDocument();
    expect(api.to('DELETE', URL_)).toHaveLength(1);
  });
});
