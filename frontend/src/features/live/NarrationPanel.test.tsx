import { act, screen } from '@testing-library/react';
import { NarrationPanel } from './NarrationPanel';
import { renderWithProviders } from '../../test/render';

describe('NarrationPanel', () => {
  it('shows events as sentences, newest first', () => {
    const { store } = renderWithProviders(<NarrationPanel />);
    expect(screen.getByText(/No live events yet/)).toBeInTheDocument();
    act(() => {
      store.push({ id: 1, ts: 0, run_id: 'r', type: 'new_source', data: { source: 'stripe', connector: 'demo' } });
      store.push({ id: 2, ts: 0, run_id: 'r', type: 'mapping_proposed', data: { source: 'hubspot', table: 'companies', entity: 'account', confidence: 0.93, mapped: 11, review: 0, fields: [] } });
    });
    const items = screen.getByRole('log').querySelectorAll('li');
    expect(items).toHaveLength(2);
    expect(items[0].textContent).toContain('HubSpot `companies` mapped to account: 11 fields (0.93).');
    expect(items[1].textContent).toContain('New source: Stripe (demo connector).');
  });
});

describe('lastRunSentence', () => {
  it('says when the newest run ended and what it did, for the panel before any live event', async () => {
    const { lastRunSentence } = await import('./NarrationPanel');
    const now = Date.parse('2026-12-04T10:00:00Z');
    const run = { id: 'r', status: 'success', started_at: now / 1000 - 400, finished_at: now / 1000 - 300,
      stats: { sources: 6, rows: 3774 } };
    expect(lastRunSentence(run, now)).toBe('The last run succeeded 5 min ago: 6 sources, 3,774 rows.');
    expect(lastRunSentence({ ...run, status: 'failed', stats: {} }, now)).toBe('The last run failed 5 min ago.');
    expect(lastRunSentence({ ...run, finished_at: null, started_at: now / 1000, status: 'running', stats: {} }, now)).toBe('The last run started just now.');
  });
});
