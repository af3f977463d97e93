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
    const { nodes, edges } = toFlow(demo as unknown as DclState);
    const r = await layoutGraph(elk, nodes, edges);
    const ys = (l: number) => r.nodes.filter((n) => n.data.node.layer === l).map((n) => n.position.y);
    for (const l of [1, 2, 3]) expect(Math.min(...ys(l))).toBeGreaterThan(Math.max(...ys(l - 1)));
    expect(overlaps(r.nodes)).toBe(false);
    expect(r.layerTops.map((t) => t.layer)).toEqual([0, 1, 2, 3]);
  });

  it('wraps a wide layer into rows no wider than asked, keeping every node', async () => {
    const { nodes, edges } = toFlow(demo as unknown as DclState);
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
    const small = toFlow(demo as unknown as DclState).nodes;
    const big = toFlow(syntheticState(500)).nodes;
    expect(chooseRowWidth(small, 1280, 28, 90, 28, 1000, 1300)).toBe(1280);
    const r = chooseRowWidth(big, 1280, 28, 90, 28, 1000, 1300);
    expect(r).toBeGreaterThan(1280);
    const { nodes, edges } = toFlow(syntheticState(500));
    const laid = await layoutGraph(elk, nodes, edges, { maxRowWidth: 1280, fitWidth: 1000, fitHeight: 1300 });
    expect((laid.height * 1000) / (laid.width + 200)).toBeLessThanOrEqual(1300 * 1.1);
  });
});
