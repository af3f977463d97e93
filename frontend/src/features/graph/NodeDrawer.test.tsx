import { fakeApi, problem } from '../settings/testApi'; // first: see testApi.tsx
import { screen, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { DclState } from '../../api/types';
import { renderWithProviders } from '../../test/render';
import demo from './fixtures/demo-state.json';
import { NodeDrawer } from './NodeDrawer';

const state = demo as DclState;
const open = (nodeId: string, s: DclState = state) => {
  renderWithProviders(<NodeDrawer state={s} nodeId={nodeId} onClose={() => {}} />);
  return screen.findByTestId('node-drawer');
};
const row = (drawer: HTMLElement, k: string) => within(drawer).getByText(k).closest('tr')!.textContent;

const COST_ROWS = {
  schema: 'src_aws', name: 'cost_and_usage_report', kind: 'source', version: 3,
  columns: ['line_item_id', 'unblended_cost', 'usage_date'], types: ['VARCHAR', 'DECIMAL(18,2)', 'DATE'],
  rows: [{ line_item_id: 'li-1', unblended_cost: 12.5, usage_date: '2026-01-02' }, { line_item_id: 'li-2', unblended_cost: null, usage_date: '2026-01-03' }],
  total: 2023, limit: 5, offset: 0, next_offset: 5,
};
let api: ReturnType<typeof fakeApi>;
beforeEach(() => {
  api = fakeApi({
    'GET /dcl/tables/src_aws/cost_and_usage_report/rows': COST_ROWS,
    'GET /dcl/tables/unified/account/rows': { ...COST_ROWS, schema: 'unified', name: 'account', kind: 'unified', columns: ['name'], types: ['VARCHAR'], rows: [] },
  });
});
afterEach(() => vi.unstubAllGlobals());

describe('NodeDrawer', () => {
  it("shows a source's status and connector", async () => {
    const drawer = await open('source:aws');
    expect(within(drawer).getByText('layer 0')).toBeInTheDocument();
    expect(within(drawer).getByText('ok')).toBeInTheDocument();
    expect(within(drawer).getByText('demo connector')).toBeInTheDocument();
    expect(within(drawer).queryByText('Rows')).toBeNull();
  });

  it("shows a table's counts, entity and source", async () => {
    const drawer = await open('table:aws.cost_and_usage_report');
    expect(row(drawer, 'Rows')).toBe('Rows2,023');
    expect(row(drawer, 'Rejected rows')).toBe('Rejected rows0');
    expect(row(drawer, 'Fields')).toBe('Fields21');
    expect(row(drawer, 'Maps to')).toBe('Maps tocloud_cost');
    expect(row(drawer, 'To review')).toBe('To review2');
    expect(row(drawer, 'Source')).toBe('Sourceaws');
  });

  it("shows a table's columns with types and its first rows, read from src_<source>.<table>", async () => {
    const drawer = await open('table:aws.cost_and_usage_report');
    const columns = await within(drawer).findByTestId('node-columns');
    expect(within(columns).getAllByRole('row').map((r) => r.textContent)).toEqual(['line_item_idVARCHAR', 'unblended_costDECIMAL(18,2)', 'usage_dateDATE']);
    const rows = within(drawer).getByTestId('node-rows');
    expect(within(rows).getAllByRole('row')).toHaveLength(3); // header + 2
    expect(rows.textContent).toContain('li-1');
    expect(rows.textContent).toContain('12.5');
    expect(api.to('GET', '/dcl/tables/src_aws/cost_and_usage_report/rows')[0].query.get('limit')).toBe('5');
    expect(within(drawer).getByRole('link', { name: 'Open in Data' })).toHaveAttribute('href', '/data?table=src_aws.cost_and_usage_report');
  });

  it("shows an entity view's columns and says when it has no rows", async () => {
    const entity = await open('entity:account');
    expect(await within(entity).findByText('no rows')).toBeInTheDocument();
    expect(within(entity).getByTestId('node-columns')).toHaveTextContent('nameVARCHAR');
  });

  it('shows the reason when the rows cannot be read', async () => {
    fakeApi({ 'GET /dcl/tables/src_aws/cost_and_usage_report/rows': problem(404, 'table not found') });
    const drawer = await open('table:aws.cost_and_usage_report');
    expect(await within(drawer).findByText('table not found')).toBeInTheDocument();
  });

  it("shows an entity's rows and canonical fields", async () => {
    const entity = await open('entity:account');
    expect(row(entity, 'Rows')).toBe('Rows228');
    expect(within(entity).getByText('Canonical fields')).toBeInTheDocument();
    expect(within(entity).getByText('annual_revenue')).toBeInTheDocument();
  });

  it("shows an agent's summary and the entities it reads", async () => {
    const agent = await open('agent:revops');
    expect(within(agent).getByText(/^90 open deals/)).toBeInTheDocument();
    expect(within(agent).getByText('Reads')).toBeInTheDocument();
    expect(within(agent).getByText('opportunity')).toBeInTheDocument();
  });

  it('leaves out an agent summary that is not text (the server passes on what the agent returned)', async () => {
    const odd: DclState = {
      ...state,
      graph: { ...state.graph, nodes: state.graph.nodes.map((n) => (n.id === 'agent:finops' && n.kind === 'agent' ? { ...n, summary: { deals: 3 } } : n)) },
    };
    const drawer = await open('agent:finops', odd);
    expect(within(drawer).getByText('Reads')).toBeInTheDocument();
    expect(drawer.textContent).not.toContain('deals');
  });
});
