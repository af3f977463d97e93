import { fakeApi, renderWithApi, OWNER } from './testApi'; // first: see testApi.tsx
import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { SettingsPage } from './SettingsPage';

afterEach(() => vi.unstubAllGlobals());

describe('SettingsPage', () => {
  it('opens the tab named in ?tab= and moves between tabs with the keyboard', async () => {
    fakeApi({
      'GET /api/v1/auth/me': OWNER,
      'GET /api/v1/webhooks/settings': { allow_private_webhooks: false },
      'GET /api/v1/webhooks/deliveries': { items: [], next_cursor: null },
      'GET /api/v1/llm/providers': { items: [] },
      'GET /api/v1/settings/llm': { provider: null, model: null, api_key_set: false, updated_at: null, server_default: { provider: null, model: null } },
    });
    const user = userEvent.setup();
    renderWithApi(<SettingsPage />, '/settings?tab=webhooks');
    const webhooks = screen.getByRole('tab', { name: 'Webhooks' });
    expect(webhooks).toHaveAttribute('aria-selected', 'true');
    expect(await screen.findByRole('heading', { name: 'Delivery log' })).toBeInTheDocument();
    webhooks.focus();
    await user.keyboard('{ArrowRight}');
    await waitFor(() => expect(screen.getByRole('tab', { name: 'LLM' })).toHaveAttribute('aria-selected', 'true'));
    expect(await screen.findByTestId('llm-server-default')).toHaveTextContent('none configured');
  });
});
