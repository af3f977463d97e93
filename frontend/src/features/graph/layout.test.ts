import ELK from 'elkjs/lib/elk.bundled.js';
import demo from './fixtures/demo-state.json';
import type { DclState } from '../../api/types';
import { canvasHeight, layoutGraph } from './layout';
import { syntheticState } from './synthetic';
import { toFlow } from './transform';

const elk = new ELK();

function overlaps(nodes: { position: { x: number; y: number }; width?: number; height?: number }[]): boolean {
  for (let i = 0; i < nodes.length; i++) {
    for (let j = i + 1; j < nodes.length; j++) {
      const a = nodes[i];
      const b = nodes[j];
      if (a.position.x < b.position.x + b.width! && b.position.x < a.position.x + a.width! && a.position.y < b.position.y + b.height! && b.position.y < a.position.y + a.height!) return true;
    }
  }
  return false;
}

describe('layoutGraph', () => {
  it('puts the demo layers top to bottom with no overlapping nodes', async () => {
    const { nodes, edges } = toFlow(demo as DclState);
    const r = await layoutGraph(elk, nodes, edges);
    const ys = (l: number) => r.nodes.filter((n) => n.data.node.layer === l).map((n) => n.position.y);
    for (const l of [1, 2, 3]) expect(Math.min(...ys(l))).toBeGreaterThan(Math.max(...ys(l - 1)));
    expect(overlaps(r.nodes)).toBe(false);
    expect(r.layerTops.map((t) => t.layer)).toEqual([0, 1, 2, 3]);
  });

  it('wraps a wide layer into rows no wider than asked, keeping every node', async () => {
    const { nodes, edges } = toFlow(demo as DclState);
    const narrow = await layoutGraph(elk, nodes, edges, { maxRowWidth: 700 });
    const wide = await layoutGraph(elk, nodes, edges, { maxRowWidth: 5000 });
    expect(narrow.nodes).toHaveLength(nodes.length);
    expect(narrow.width).toBeLessThanOrEqual(700);
    expect(narrow.height).toBeGreaterThan(wide.height);
    expect(overlaps(narrow.nodes)).toBe(false);
  });

  it('grows taller with more nodes, so the canvas height follows the node count', async () => {
    const heights: number[] = [];
    for (const n of [30, 80, 160]) {
      const { nodes, edges } = toFlow(syntheticState(n));
      const r = await layoutGraph(elk, nodes, edges, { maxRowWidth: 1600 });
      heights.push(canvasHeight(r.width, r.height, 1400));
    }
    expect(heights[0]).toBeLessThan(heights[1]);
    expect(heights[1]).toBeLessThan(heights[2]);
    expect(heights[2]).toBeLessThanOrEqual(1400);
  });
});

describe('chooseRowWidth', () => {
  it('widens rows for a big graph until it fits the box, and leaves small graphs alone', async () => {
    const { chooseRowWidth } = await import('./layout');
    const small = toFlow(demo as DclState).nodes;
    const big = toFlow(syntheticState(500)).nodes;
    expect(chooseRowWidth(small, 1280, 28, 90, 28, 1000, 1300)).toBe(1280);
    const r = chooseRowWidth(big, 1280, 28, 90, 28, 1000, 1300);
    expect(r).toBeGreaterThan(1280);
    const { nodes, edges } = toFlow(syntheticState(500));
    const laid = await layoutGraph(elk, nodes, edges, { maxRowWidth: 1280, fitWidth: 1000, fitHeight: 1300 });
    expect((laid.height * 1000) / (laid.width + 200)).toBeLessThanOrEqual(1300 * 1.1);
  });
});

describe('big graphs (condensed for ELK)', () => {
  const { nodes, edges } = toFlow(syntheticState(500));

  it('hands ELK one bundle per source for its tables, every edge between nodes ELK has', async () => {
    const { condense } = await import('./layout');
    const { rep, graph } = condense(nodes, edges);
    const ids = new Set(graph.children!.map((c) => c.id));
    expect(ids.size).toBeLessThan(150); // 500 nodes → ~100
    for (const n of nodes) expect(ids.has(rep.get(n.id)!)).toBe(true);
    for (const e of graph.edges!) {
      expect(ids.has(e.sources[0])).toBe(true);
      expect(ids.has(e.targets[0])).toBe(true);
    }
    // a table's bundle is its source's; sources, entities and agents stay themselves
    for (const n of nodes) {
      if (n.data.node.kind === 'table') expect(rep.get(n.id)).toBe(`bundle:1:source:${n.data.node.source}`);
      else expect(rep.get(n.id)).toBe(n.id);
    }
  });

  it("places all 500 nodes, each layer below the previous, none overlapping, a source's tables together", async () => {
    const r = await layoutGraph(elk, nodes, edges, { maxRowWidth: 2400 });
    expect(r.nodes).toHaveLength(500);
    expect(r.nodes.every((n) => Number.isFinite(n.position.x) && Number.isFinite(n.position.y))).toBe(true);
    const bottom = new Map<number, number>();
    const top = new Map<number, number>();
    for (const n of r.nodes) {
      const l = n.data.node.layer;
      bottom.set(l, Math.max(bottom.get(l) ?? -Infinity, n.position.y + n.height!));
      top.set(l, Math.min(top.get(l) ?? Infinity, n.position.y));
    }
    for (const l of [1, 2, 3]) expect(top.get(l)!).toBeGreaterThan(bottom.get(l - 1)!);
    expect(r.width).toBeLessThanOrEqual(2400 + 1);
    expect(overlaps(r.nodes)).toBe(false);
    // reading the tables row by row, each source's tables form one run
    const tables = r.nodes.filter((n) => n.data.node.kind === 'table').sort((a, b) => a.position.y - b.position.y || a.position.x - b.position.x);
    const runs = tables.map((n) => (n.data.node.kind === 'table' ? n.data.node.source : null)).filter((s, i, all) => i === 0 || s !== all[i - 1]);
    expect(runs).toHaveLength(new Set(runs).size);
  });
});
