/**
 * Layered layout: ELK orders and places the four layers top to bottom (direction DOWN). ELK's
 * partitioning would pin each node to its layer but costs ~6x the time at 500 nodes, so ELK
 * layers by edges and this module then puts every node in the band of its declared layer
 * (a node with missing edges still lands in its own row). A layer wider
 * than `maxRowWidth` then wraps into several rows in ELK's crossing-minimised order, so a big
 * graph grows downwards and the canvas height follows the node count.
 */
import type { ElkNode } from 'elkjs/lib/elk-api';
import type { GraphEdge, GraphNode } from './transform';

export interface ElkLike {
  layout(graph: ElkNode): Promise<ElkNode>;
}

export interface LayoutOptions {
  /** widest a layer's row may get before it wraps, px */
  maxRowWidth?: number;
  /**
   * Fit a container this wide (px) and at most `fitHeight` tall: rows widen beyond
   * `maxRowWidth` until the wrapped graph, scaled to the width, fits that height (a big graph
   * then fills the canvas instead of becoming a thin column).
   */
  fitWidth?: number;
  fitHeight?: number;
  nodeGap?: number;
  layerGap?: number;
  rowGap?: number;
}

export interface LayoutResult {
  nodes: GraphNode[];
  width: number;
  height: number;
  /** y of each layer's band (top) for the layer captions */
  layerTops: { layer: number; y: number }[];
  ms: number;
}

const now = () => (typeof performance !== 'undefined' ? performance.now() : Date.now());

export async function layoutGraph(
  elk: ElkLike,
  nodes: GraphNode[],
  edges: GraphEdge[],
  opts: LayoutOptions = {},
): Promise<LayoutResult> {
  const started = now();
  const nodeGap = opts.nodeGap ?? 28;
  const layerGap = opts.layerGap ?? 90;
  const rowGap = opts.rowGap ?? 28;
  const maxRowWidth = chooseRowWidth(nodes, opts.maxRowWidth ?? 2400, nodeGap, layerGap, rowGap, opts.fitWidth, opts.fitHeight);
  const big = nodes.length > 150;
  const graph: ElkNode = {
    id: 'root',
    layoutOptions: {
      'elk.algorithm': 'layered',
      'elk.direction': 'DOWN',
      'elk.spacing.nodeNode': String(nodeGap),
      'elk.layered.spacing.nodeNodeBetweenLayers': String(layerGap),
      // big graphs wrap into rows and keep only ELK's crossing-minimised order, so the cheap
      // placement and layering do (measured: ~2x faster at 500 nodes); small ones get the nice ones
      'elk.layered.nodePlacement.strategy': big ? 'SIMPLE' : 'BRANDES_KOEPF',
      'elk.layered.layering.strategy': big ? 'LONGEST_PATH' : 'NETWORK_SIMPLEX',
      'elk.layered.mergeEdges': big ? 'true' : 'false',
      'elk.layered.crossingMinimization.greedySwitch.type': big ? 'OFF' : 'TWO_SIDED',
      'elk.layered.thoroughness': big ? '1' : '7',
      'elk.edgeRouting': 'POLYLINE',
      'elk.separateConnectedComponents': 'false',
    },
    children: nodes.map((n) => ({
      id: n.id,
      width: n.width ?? 140,
      height: n.height ?? 48,
    })),
    edges: edges.map((e) => ({ id: e.id, sources: [e.source], targets: [e.target] })),
  };
  const out = await elk.layout(graph);
  const pos = new Map<string, { x: number; y: number; w: number; h: number }>();
  for (const c of out.children ?? []) pos.set(c.id, { x: c.x ?? 0, y: c.y ?? 0, w: c.width ?? 0, h: c.height ?? 0 });

  // Group by layer in ELK's left-to-right order, then wrap wide layers into rows.
  const byLayer = new Map<number, GraphNode[]>();
  for (const n of nodes) {
    const l = n.data.node.layer;
    if (!byLayer.has(l)) byLayer.set(l, []);
    byLayer.get(l)!.push(n);
  }
  const layers = [...byLayer.keys()].sort((a, b) => a - b);
  const rowsPerLayer = layers.map((l) => {
    const list = byLayer.get(l)!.sort((a, b) => pos.get(a.id)!.x - pos.get(b.id)!.x);
    const total = list.reduce((s, n) => s + pos.get(n.id)!.w + nodeGap, -nodeGap);
    if (total <= maxRowWidth) return { layer: l, wrapped: false, rows: [list] };
    const rows: GraphNode[][] = [];
    let row: GraphNode[] = [];
    let w = 0;
    for (const n of list) {
      const nw = pos.get(n.id)!.w;
      if (row.length && w + nodeGap + nw > maxRowWidth) {
        rows.push(row);
        row = [];
        w = 0;
      }
      w += (row.length ? nodeGap : 0) + nw;
      row.push(n);
    }
    if (row.length) rows.push(row);
    return { layer: l, wrapped: true, rows };
  });
  // When everything fits, layers keep ELK's x (parents stay above their children); once any
  // layer wraps, ELK's block is far too wide, so every layer becomes centred packed rows.
  const anyWrapped = rowsPerLayer.some((r) => r.wrapped);
  if (anyWrapped) for (const r of rowsPerLayer) r.wrapped = true;
  let minX = Infinity;
  let maxX = -Infinity;
  for (const r of rowsPerLayer) {
    if (r.wrapped) continue;
    for (const n of r.rows[0]) {
      const p = pos.get(n.id)!;
      minX = Math.min(minX, p.x);
      maxX = Math.max(maxX, p.x + p.w);
    }
  }
  const blockW = Number.isFinite(minX) ? maxX - minX : 0;
  const rowWidth = (row: GraphNode[]) => row.reduce((s, n) => s + pos.get(n.id)!.w + nodeGap, -nodeGap);
  const width = Math.max(blockW, ...rowsPerLayer.filter((r) => r.wrapped).flatMap((r) => r.rows.map(rowWidth)));
  const placed = new Map<string, { x: number; y: number }>();
  const layerTops: { layer: number; y: number }[] = [];
  let y = 0;
  for (const { layer, wrapped, rows } of rowsPerLayer) {
    layerTops.push({ layer, y });
    let bandHeight = 0;
    if (!wrapped) {
      const list = rows[0];
      const offset = (width - blockW) / 2 - (Number.isFinite(minX) ? minX : 0);
      const rowH = Math.max(...list.map((n) => pos.get(n.id)!.h));
      for (const n of list) {
        const p = pos.get(n.id)!;
        placed.set(n.id, { x: p.x + offset, y: y + (rowH - p.h) / 2 });
      }
      bandHeight = rowH;
    } else {
      for (const row of rows) {
        let x = (width - rowWidth(row)) / 2;
        const rowH = Math.max(...row.map((n) => pos.get(n.id)!.h));
        for (const n of row) {
          const p = pos.get(n.id)!;
          placed.set(n.id, { x, y: y + bandHeight + (rowH - p.h) / 2 });
          x += p.w + nodeGap;
        }
        bandHeight += rowH + rowGap;
      }
      bandHeight -= rowGap;
    }
    y += bandHeight + layerGap;
  }
  const height = Math.max(0, y - layerGap);
  const laid = nodes.map((n) => ({ ...n, position: placed.get(n.id) ?? { x: 0, y: 0 } }));
  return { nodes: laid, width, height, layerTops, ms: now() - started };
}

/** The narrowest row width (from `min`, growing 25 % a step) whose estimated layout fits the box. */
export function chooseRowWidth(nodes: GraphNode[], min: number, nodeGap: number, layerGap: number, rowGap: number, fitWidth?: number, fitHeight?: number): number {
  if (!fitWidth || !fitHeight) return min;
  const layers = new Map<number, { total: number; h: number }>();
  for (const n of nodes) {
    const l = layers.get(n.data.node.layer) ?? { total: 0, h: 0 };
    l.total += (n.width ?? 140) + nodeGap;
    l.h = Math.max(l.h, n.height ?? 48);
    layers.set(n.data.node.layer, l);
  }
  let r = min;
  for (let i = 0; i < 30; i++) {
    let h = -layerGap;
    for (const { total, h: rowH } of layers.values()) {
      const rows = Math.max(1, Math.ceil(total / r));
      h += rows * (rowH + rowGap) - rowGap + layerGap;
    }
    if ((h * fitWidth) / (r + 200) <= fitHeight) return r;
    r *= 1.25;
  }
  return r;
}

/**
 * Canvas height for a laid-out graph in a container `containerWidth` wide: the layout's own
 * height at the scale that fits its width (so more nodes → more wrapped rows → a taller canvas),
 * bounded so a tiny graph is not a sliver and a huge one does not push the page away.
 */
export function canvasHeight(layoutW: number, layoutH: number, containerWidth: number): number {
  const scale = layoutW > 0 ? Math.min(1, containerWidth / layoutW) : 1;
  return Math.round(Math.max(320, Math.min(1400, layoutH * scale + 96)));
}
