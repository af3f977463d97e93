import { fakeApi, renderWithApi, MEMBER, OWNER } from './testApi'; // first: see testApi.tsx
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { WebhooksPanel } from './WebhooksPanel';

const delivery = (i: number) => ({
  id: `d${i}`, task_id: null, msg_id: `msg_${i}`, event_type: 'task.finished', url: 'https://hooks.example/in', attempt: i, max_attempts: 5,
  status: i === 1 ? 'failed' : 'delivered', status_code: i === 1 ? 500 : 200, error: i === 1 ? 'HTTP 500' : null, duration_ms: 12.4,
  created_at: '2026-01-01T00:00:00Z', due_at: null, started_at: null, finished_at: '2026-01-01T00:00:01Z',
});

afterEach(() => vi.unstubAllGlobals());

describe('WebhooksPanel', () => {
  it('reveals the secret only on request, rotates it after a confirm, and shows the server\'s private-network policy', async () => {
    let secret = 'whsec_first';
    const api = fakeApi({
      'GET /api/v1/auth/me': OWNER,
      'GET /api/v1/webhooks/secret': () => ({ secret, created_at: '2026-01-01T00:00:00Z', rotated_at: null }),
      'POST /api/v1/webhooks/secret/rotate': () => { secret = 'whsec_second'; return { secret, created_at: '2026-01-01T00:00:00Z', rotated_at: '2026-01-02T00:00:00Z' }; },
      'GET /api/v1/webhooks/settings': { allow_private_webhooks: false },
      'GET /api/v1/webhooks/deliveries': { items: [], next_cursor: null },
    });
    const user = userEvent.setup();
    renderWithApi(<WebhooksPanel />);
    const box = await screen.findByTestId('webhook-secret');
    expect(box).not.toHaveTextContent('whsec_first');
    expect(api.to('GET', '/api/v1/webhooks/secret')).toHaveLength(0);

    await user.click(screen.getByRole('button', { name: 'Reveal' }));
    await waitFor(() => expect(box).toHaveTextContent('whsec_first'));

    await user.click(screen.getByRole('button', { name: 'Rotate' }));
    const dialog = await screen.findByRole('dialog', { name: 'Rotate the signing secret?' });
    expect(api.to('POST', '/api/v1/webhooks/secret/rotate')).toHaveLength(0); // nothing before the confirm
    await user.click(within(dialog).getByRole('button', { name: 'Rotate' }));
    await waitFor(() => expect(box).toHaveTextContent('whsec_second'));
    expect(api.to('POST', '/api/v1/webhooks/secret/rotate')).toHaveLength(1);
    await waitFor(() => expect(screen.queryByRole('dialog')).not.toBeInTheDocument());

    const policy = screen.getByTestId('private-networks');
    await waitFor(() => expect(policy).toHaveTextContent('refused'));
    expect(policy).toHaveTextContent('operator');
    expect(screen.queryByRole('switch')).not.toBeInTheDocument();
    expect(api.calls.filter((c) => c.method === 'PUT')).toEqual([]);
  });

  it('pages the delivery log with next_cursor', async () => {
    const api = fakeApi({
      'GET /api/v1/auth/me': OWNER,
      'GET /api/v1/webhooks/settings': { allow_private_webhooks: false },
      'GET /api/v1/webhooks/deliveries': (c) =>
        c.query.get('cursor') === 'page2' ? { items: [delivery(3)], next_cursor: null } : { items: [delivery(1), delivery(2)], next_cursor: 'page2' },
    });
    const user = userEvent.setup();
    renderWithApi(<WebhooksPanel />);
    const log = await screen.findByTestId('deliveries');
    await waitFor(() => expect(within(log).getAllByRole('row')).toHaveLength(3)); // header + 2
    expect(within(log).getByText('HTTP 500')).toBeInTheDocument();
    expect(within(log).getByText('500')).toBeInTheDocument();
    expect(within(log).getByText('1 / 5')).toBeInTheDocument();
    expect(within(log).getAllByText('12 ms')).toHaveLength(2);
    await user.click(screen.getByRole('button', { name: 'Load more' }));
    await waitFor(() => expect(within(log).getAllByRole('row')).toHaveLength(4));
    expect(api.to('GET', '/api/v1/webhooks/deliveries').map((c) => c.query.get('cursor'))).toEqual([null, 'page2']);
    expect(screen.queryByRole('button', { name: 'Load more' })).not.toBeInTheDocument();
  });

  it('tells a non-admin the secret is for admins, asks nothing admin-only, still shows the log', async () => {
    const api = fakeApi({
      'GET /api/v1/auth/me': MEMBER,
      'GET /api/v1/webhooks/deliveries': { items: [delivery(2)], next_cursor: null },
    });
    renderWithApi(<WebhooksPanel />);
    expect(await screen.findByTestId('admin-note')).toHaveTextContent('Admins only');
    await waitFor(() => expect(within(screen.getByTestId('deliveries')).getAllByRole('row')).toHaveLength(2));
    expect(screen.queryByRole('button', { name: 'Reveal' })).not.toBeInTheDocument();
    expect(api.calls.filter((c) => c.path.startsWith('/api/v1/webhooks/se'))).toEqual([]);
  });
});
