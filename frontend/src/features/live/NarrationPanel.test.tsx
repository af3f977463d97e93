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
