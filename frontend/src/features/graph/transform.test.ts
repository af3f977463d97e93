import demo from './fixtures/demo-state.json';
import type { DclState } from '../../api/types';
import { toFlow, nodeSize, layerCounts } from './transform';

const state = demo as DclState;

describe('toFlow', () => {
  it('keeps every node and edge of the real demo state, typed by kind and layer', () => {
    const { nodes, edges } = toFlow(state);
    expect(nodes).toHaveLength(state.graph.nodes.length);
    expect(edges).toHaveLength(state.graph.edges.length);
    for (const n of nodes) {
      expect(n.type).toBe(n.data.node.kind);
      expect(n.width).toBe(nodeSize(n.data.node).width);
      // whole pixels, given as measured, so React Flow's measuring pass changes nothing
      expect(Number.isInteger(n.width)).toBe(true);
      expect(n.measured).toEqual({ width: n.width, height: n.height });
    }
    const kindsByLayer = new Map<number, Set<string>>();
    for (const n of nodes) {
      const l = n.data.node.layer;
      kindsByLayer.set(l, (kindsByLayer.get(l) ?? new Set()).add(n.data.node.kind));
    }
    expect([...kindsByLayer.get(0)!]).toEqual(['source']);
    expect([...kindsByLayer.get(1)!]).toEqual(['table']);
    expect([...kindsByLayer.get(2)!]).toEqual(['entity']);
    expect([...kindsByLayer.get(3)!]).toEqual(['agent']);
    expect(layerCounts(state.graph.nodes)).toEqual({ 0: state.summary.sources, 1: state.summary.tables, 2: state.summary.entities, 3: state.summary.agents });
  });

  it('marks source → table edges as hierarchy (dashed) and the rest as data flow', () => {
    const { edges, nodes } = toFlow(state);
    const layer = new Map(nodes.map((n) => [n.id, n.data.node.layer]));
    for (const e of edges) {
      const fromSource = layer.get(e.source) === 0;
      expect(e.data!.look.hierarchy).toBe(fromSource);
      expect(e.data!.look.dashed).toBe(fromSource);
      expect(layer.get(e.target)).toBe(layer.get(e.source)! + 1);
    }
  });

  it('drops edges to unknown nodes and duplicate node ids instead of breaking the canvas', () => {
    const broken: DclState = {
      summary: state.summary,
      graph: {
        nodes: [state.graph.nodes[0], state.graph.nodes[0]],
        edges: [{ id: 'x', source: state.graph.nodes[0].id, target: 'table:nowhere', type: 'hierarchy', rows: 0 }],
      },
    };
    const { nodes, edges } = toFlow(broken);
    expect(nodes).toHaveLength(1);
    expect(edges).toHaveLength(0);
  });

  it("declares each node's handles where its DOM handles sit (in on top, out at the bottom)", () => {
    const { nodes } = toFlow(state);
    for (const n of nodes) {
      const kinds = (n.handles ?? []).map((h) => `${h.type}@${h.position}`);
      expect(kinds).toEqual([
        ...(n.data.node.kind !== 'source' ? ['target@top'] : []),
        ...(n.data.node.kind !== 'agent' ? ['source@bottom'] : []),
      ]);
      for (const h of n.handles ?? []) {
        expect(h.x + h.width! / 2).toBe(n.width! / 2);
        // the edge end point: on the top border (in) or the bottom border (out), within 3 px
        const y = h.type === 'target' ? h.y : h.y + h.height!;
        expect(Math.abs(y - (h.type === 'target' ? 0 : n.height!))).toBeLessThanOrEqual(3);
      }
    }
  });
});
