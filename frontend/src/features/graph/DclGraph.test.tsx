import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import demo from './fixtures/demo-state.json';
import type { DclState } from '../../api/types';
import DclGraph from './DclGraph';
import { renderWithProviders } from '../../test/render';

const state = demo as DclState;

describe('DclGraph', () => {
  it('draws every node of the demo state in its layer and opens details on click', async () => {
    renderWithProviders(<DclGraph state={state} />);
    await waitFor(() => expect(screen.getByTestId('node-agent:revops')).toBeInTheDocument(), { timeout: 10000 });
    for (const n of state.graph.nodes) expect(screen.getByTestId(`node-${n.id}`)).toHaveAttribute('data-layer', String(n.layer));
    // every edge drawn, as a curve from its source's bottom to its target's top
    for (const e of state.graph.edges) expect(screen.getByTestId(`edge-${e.id}`).querySelector('path')?.getAttribute('d')).toMatch(/^M/);
    fireEvent.click(screen.getByTestId('node-table:hubspot.companies'));
    const drawer = await screen.findByTestId('node-drawer');
    expect(within(drawer).getByText('45')).toBeInTheDocument(); // rows of hubspot.companies
    expect(within(drawer).getByText('account')).toBeInTheDocument();
  });

  it('dims everything off the lineage path', async () => {
    renderWithProviders(<DclGraph state={state} highlight={new Set(['source:erp', 'table:erp.CUST_MASTER'])} />);
    await waitFor(() => expect(screen.getByTestId('node-source:erp')).toBeInTheDocument(), { timeout: 10000 });
    expect(screen.getByTestId('node-source:erp').className).not.toContain('is-dimmed');
    expect(screen.getByTestId('node-source:aws').className).toContain('is-dimmed');
    const onPath = state.graph.edges.find((e) => e.source === 'source:erp' && e.target === 'table:erp.CUST_MASTER')!;
    const off = state.graph.edges.find((e) => e.source === 'source:aws')!;
    expect(screen.getByTestId(`edge-${onPath.id}`).getAttribute('class')).not.toContain('is-dimmed');
    expect(screen.getByTestId(`edge-${off.id}`).getAttribute('class')).toContain('is-dimmed');
  });
});

describe('rowWidthFor', () => {
  it('wraps rows so 13 px labels are drawn at 11 px or more once fitted (captions beside them)', async () => {
    const { rowWidthFor, READABLE_ZOOM } = await import('./DclGraph');
    for (const w of [766, 1000, 1400]) expect(w / (rowWidthFor(w) + 200)).toBeGreaterThanOrEqual(READABLE_ZOOM);
    expect(rowWidthFor(4000)).toBe(4000); // the cap
  });

  it('on a phone gives the rows the whole width (no captions)', async () => {
    const { rowWidthFor, READABLE_ZOOM } = await import('./DclGraph');
    expect(rowWidthFor(366) * READABLE_ZOOM).toBeLessThanOrEqual(366);
    expect(rowWidthFor(366)).toBeGreaterThan(366);
  });
});
