import { screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
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
