import { fakeApi, renderWithApi, MEMBER, OWNER, problem, type Call } from './testApi'; // first: see testApi.tsx
import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { LlmPanel } from './LlmPanel';

const PROVIDERS = {
  items: [
    { name: 'anthropic', default_model: 'claude-sonnet', models: ['claude-sonnet', 'claude-haiku'] },
    { name: 'openai', default_model: 'gpt-4o-mini', models: ['gpt-4o-mini', 'gpt-4o'] },
  ],
};

/** The server's side of the settings: the key is stored, never returned. */
function llmServer(refuse?: string) {
  const state = { provider: null as string | null, model: null as string | null, key: null as string | null, saves: 0 };
  const out = () => ({
    provider: state.provider, model: state.model, api_key_set: state.key !== null,
    updated_at: state.saves ? `2026-01-01T00:00:0${state.saves}Z` : null,
    server_default: { provider: 'anthropic', model: 'claude-sonnet' },
  });
  const put = (c: Call) => {
    const body = c.body as { provider: string | null; model: string | null; api_key?: string | null };
    if (body.provider === refuse) return problem(422, 'Validation failed', [{ field: 'provider', message: `unknown provider '${refuse}'` }]);
    state.provider = body.provider;
    state.model = body.model;
    if (body.api_key !== undefined) state.key = body.api_key || null;
    state.saves += 1;
    return out();
  };
  return { state, out, put };
}

afterEach(() => vi.unstubAllGlobals());

describe('LlmPanel', () => {
  it('saves provider, model and key; the key is never shown back; blank keeps it, "Remove key" removes it', async () => {
    const server = llmServer();
    const api = fakeApi({
      'GET /api/v1/auth/me': OWNER,
      'GET /api/v1/llm/providers': PROVIDERS,
      'GET /api/v1/settings/llm': () => server.out(),
      'PUT /api/v1/settings/llm': server.put,
    });
    const user = userEvent.setup();
    renderWithApi(<LlmPanel />);
    await waitFor(() => expect(screen.getByTestId('llm-server-default')).toHaveTextContent('anthropic / claude-sonnet'));
    const provider = screen.getByRole('combobox', { name: 'Provider' });
    await waitFor(() => expect(provider).toHaveValue('Server default (anthropic)'));

    await user.click(provider);
    await user.click(await screen.findByRole('option', { name: 'openai' }));
    const model = screen.getByRole('combobox', { name: /^Model/ });
    await user.click(model);
    expect(await screen.findByRole('option', { name: 'gpt-4o' })).toBeInTheDocument(); // the provider's models are offered
    await user.type(model, 'gpt-4.1-custom'); // free text is allowed too
    await user.type(screen.getByLabelText(/^API key/), 'sk-test-123');
    await user.click(screen.getByRole('button', { name: 'Save' }));

    await waitFor(() => expect(api.to('PUT', '/api/v1/settings/llm')).toHaveLength(1));
    expect(api.to('PUT', '/api/v1/settings/llm')[0].body).toEqual({ provider: 'openai', model: 'gpt-4.1-custom', api_key: 'sk-test-123' });
    expect(await screen.findByText('key stored')).toBeInTheDocument();
    expect(screen.getByLabelText(/^API key/)).toHaveValue('');
    expect(document.body.innerHTML).not.toContain('sk-test-123');

    // saving again with the key field blank keeps the stored key (api_key omitted)
    await user.click(screen.getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(api.to('PUT', '/api/v1/settings/llm')).toHaveLength(2));
    expect(api.to('PUT', '/api/v1/settings/llm')[1].body).toEqual({ provider: 'openai', model: 'gpt-4.1-custom' });
    expect(server.state.key).toBe('sk-test-123');

    await user.click(screen.getByRole('button', { name: 'Remove key' }));
    expect(screen.getByLabelText(/^API key/)).toBeDisabled();
    await user.click(screen.getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(api.to('PUT', '/api/v1/settings/llm')).toHaveLength(3));
    expect(api.to('PUT', '/api/v1/settings/llm')[2].body).toEqual({ provider: 'openai', model: 'gpt-4.1-custom', api_key: null });
    await waitFor(() => expect(screen.queryByText('key stored')).not.toBeInTheDocument());
  });

  it('shows the test result and the server problem naming the field', async () => {
    const server = llmServer('openai'); // e.g. the provider was uninstalled since the list loaded
    const api = fakeApi({
      'GET /api/v1/auth/me': OWNER,
      'GET /api/v1/llm/providers': PROVIDERS,
      'GET /api/v1/settings/llm': () => server.out(),
      'PUT /api/v1/settings/llm': server.put,
      'POST /api/v1/settings/llm/test': { ok: false, provider: 'anthropic', model: 'claude-sonnet', message: 'invalid x-api-key (sk-…)', duration_ms: 312.6 },
    });
    const user = userEvent.setup();
    renderWithApi(<LlmPanel />);
    await user.click(await screen.findByRole('button', { name: 'Test' }));
    const result = await screen.findByTestId('llm-test-result');
    expect(result).toHaveTextContent('The test call failed');
    expect(result).toHaveTextContent('invalid x-api-key (sk-…)');
    expect(result).toHaveTextContent('anthropic / claude-sonnet · 313 ms');
    expect(api.to('POST', '/api/v1/settings/llm/test')).toHaveLength(1);

    await user.click(screen.getByRole('combobox', { name: 'Provider' }));
    await user.click(await screen.findByRole('option', { name: 'openai' }));
    await user.click(screen.getByRole('button', { name: 'Save' }));
    expect(await screen.findByText(/Validation failed — provider: unknown provider 'openai'/)).toBeInTheDocument();
    expect(server.state.provider).toBeNull();
  });

  it('shows a member the settings read-only', async () => {
    const server = llmServer();
    server.state.provider = 'openai';
    server.state.key = 'sk-hidden';
    fakeApi({
      'GET /api/v1/auth/me': MEMBER,
      'GET /api/v1/llm/providers': PROVIDERS,
      'GET /api/v1/settings/llm': () => server.out(),
    });
    renderWithApi(<LlmPanel />);
    expect(await screen.findByTestId('admin-note')).toBeInTheDocument();
    expect(screen.getByText(/API key: stored/)).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Save' })).not.toBeInTheDocument();
  });
});
