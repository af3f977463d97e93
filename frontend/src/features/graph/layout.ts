/**
 * Layered layout: ELK orders and places the four layers top to bottom (direction DOWN), then
 * this module puts every node in the band of its declared layer (a node with missing edges still
 * lands in its own row; ELK's partitioning would pin layers too but costs ~6x the time). A layer
 * wider than `maxRowWidth` wraps into several rows in ELK's crossing-minimised order, so a big
 * graph grows downwards and the canvas height follows the node count.
 *
 * Big graphs (more than BIG nodes) always wrap, so all they keep from ELK is the order within
 * each layer. ELK then sees a condensed graph: the children of one parent that have no other
 * parent (a source's tables) become one bundle node, so 500 nodes are ~100 for ELK. A cold
 * ELK (fresh worker, code not yet optimised) spends ~1.3 s on the full 500-node graph and a
 * few hundred ms on the condensed one. Members of a bundle stay together (under their parent)
 * and are ordered by where their own children ended up, which keeps their edges short.
 */
import type { ElkNode } from 'elkjs/lib/elk-api';
import type { GraphEdge, GraphNode } from './transform';

export interface ElkLike {
  layout(graph: ElkNode): Promise<ElkNode>;
}

/** Above this many nodes the layout is the condensed, always-wrapped one. */
export const BIG = 150;

/** ELK options for big graphs: cheap phases (only the order within layers is used). */
export const BIG_OPTIONS: Record<string, string> = {
  'elk.algorithm': 'layered',
  'elk.direction': 'DOWN',
  // sources first: a table without an entity stays next to its source instead of sinking to
  // the agents' layer with a long edge (fewer dummy nodes, ~2x faster than LONGEST_PATH)
  'elk.layered.layering.strategy': 'LONGEST_PATH_SOURCE',
  'elk.layered.nodePlacement.strategy': 'SIMPLE',
  'elk.layered.crossingMinimization.greedySwitch.type': 'OFF',
  'elk.layered.thoroughness': '1',
  'elk.edgeRouting': 'POLYLINE',
  'elk.separateConnectedComponents': 'false',
};

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
  const size = new Map(nodes.map((n) => [n.id, { w: n.width ?? 140, h: n.height ?? 48 }]));
  const big = nodes.length > BIG;
  // x of every node in ELK's drawing (its left edge for small graphs, an order key for big ones)
  const elkX = big ? await condensedOrder(elk, nodes, edges) : await fullLayout(elk, nodes, edges, nodeGap, layerGap);

  // Group by layer in ELK's left-to-right order, then wrap wide layers into rows.
  const byLayer = new Map<number, GraphNode[]>();
  for (const n of nodes) {
    const l = n.data.node.layer;
    if (!byLayer.has(l)) byLayer.set(l, []);
    byLayer.get(l)!.push(n);
  }
  const layers = [...byLayer.keys()].sort((a, b) => a - b);
  const rowWidth = (row: GraphNode[]) => row.reduce((s, n) => s + size.get(n.id)!.w + nodeGap, -nodeGap);
  const rowsPerLayer = layers.map((l) => {
    const list = byLayer.get(l)!.sort((a, b) => elkX.get(a.id)! - elkX.get(b.id)!);
    if (rowWidth(list) <= maxRowWidth) return { layer: l, wrapped: false, rows: [list] };
    const rows: GraphNode[][] = [];
    let row: GraphNode[] = [];
    let w = 0;
    for (const n of list) {
      const nw = size.get(n.id)!.w;
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
  // layer wraps (always for big graphs), ELK's block is far too wide, so every layer becomes
  // centred packed rows.
  const anyWrapped = big || rowsPerLayer.some((r) => r.wrapped);
  if (anyWrapped) for (const r of rowsPerLayer) r.wrapped = true;
  let minX = Infinity;
  let maxX = -Infinity;
  for (const r of rowsPerLayer) {
    if (r.wrapped) continue;
    for (const n of r.rows[0]) {
      minX = Math.min(minX, elkX.get(n.id)!);
      maxX = Math.max(maxX, elkX.get(n.id)! + size.get(n.id)!.w);
    }
  }
  const blockW = Number.isFinite(minX) ? maxX - minX : 0;
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
      const rowH = Math.max(...list.map((n) => size.get(n.id)!.h));
      for (const n of list) placed.set(n.id, { x: elkX.get(n.id)! + offset, y: y + (rowH - size.get(n.id)!.h) / 2 });
      bandHeight = rowH;
    } else {
      for (const row of rows) {
        let x = (width - rowWidth(row)) / 2;
        const rowH = Math.max(...row.map((n) => size.get(n.id)!.h));
        for (const n of row) {
          const { w, h } = size.get(n.id)!;
          placed.set(n.id, { x, y: y + bandHeight + (rowH - h) / 2 });
          x += w + nodeGap;
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

/** ELK on the whole graph with the good-looking (slower) strategies; x of every node. */
async function fullLayout(elk: ElkLike, nodes: GraphNode[], edges: GraphEdge[], nodeGap: number, layerGap: number): Promise<Map<string, number>> {
  const out = await elk.layout({
    id: 'root',
    layoutOptions: {
      'elk.algorithm': 'layered',
      'elk.direction': 'DOWN',
      'elk.spacing.nodeNode': String(nodeGap),
      'elk.layered.spacing.nodeNodeBetweenLayers': String(layerGap),
      'elk.layered.nodePlacement.strategy': 'BRANDES_KOEPF',
      'elk.layered.layering.strategy': 'NETWORK_SIMPLEX',
      'elk.layered.crossingMinimization.greedySwitch.type': 'TWO_SIDED',
      'elk.layered.thoroughness': '7',
      'elk.edgeRouting': 'POLYLINE',
      'elk.separateConnectedComponents': 'false',
    },
    children: nodes.map((n) => ({ id: n.id, width: n.width ?? 140, height: n.height ?? 48 })),
    edges: edges.map((e) => ({ id: e.id, sources: [e.source], targets: [e.target] })),
  });
  const x = new Map<string, number>();
  for (const c of out.children ?? []) x.set(c.id, c.x ?? 0);
  for (const n of nodes) if (!x.has(n.id)) x.set(n.id, 0);
  return x;
}

/**
 * The condensed graph ELK lays out for a big graph: nodes whose only parent is one earlier-layer
 * node are folded into one bundle per (parent, layer) when that parent has several of them.
 */
export function condense(nodes: GraphNode[], edges: GraphEdge[]): { rep: Map<string, string>; graph: ElkNode } {
  const layer = new Map(nodes.map((n) => [n.id, n.data.node.layer as number]));
  const parents = new Map<string, Set<string>>();
  for (const e of edges) {
    if (!parents.has(e.target)) parents.set(e.target, new Set());
    parents.get(e.target)!.add(e.source);
  }
  const key = new Map<string, string>();
  const members = new Map<string, number>();
  for (const n of nodes) {
    const p = parents.get(n.id);
    if (!p || p.size !== 1) continue;
    const [parent] = p;
    if (layer.get(parent)! >= layer.get(n.id)!) continue;
    const k = `bundle:${layer.get(n.id)}:${parent}`;
    key.set(n.id, k);
    members.set(k, (members.get(k) ?? 0) + 1);
  }
  const rep = new Map<string, string>();
  for (const n of nodes) {
    const k = key.get(n.id);
    rep.set(n.id, k && members.get(k)! > 1 ? k : n.id);
  }
  const ids = [...new Set(rep.values())];
  const seen = new Set<string>();
  const elkEdges: ElkNode['edges'] = [];
  for (const e of edges) {
    const s = rep.get(e.source)!;
    const t = rep.get(e.target)!;
    const id = `${s}>${t}`;
    if (s === t || seen.has(id)) continue;
    seen.add(id);
    elkEdges.push({ id, sources: [s], targets: [t] });
  }
  return {
    rep,
    graph: { id: 'root', layoutOptions: BIG_OPTIONS, children: ids.map((id) => ({ id, width: 140, height: 48 })), edges: elkEdges },
  };
}

/**
 * Order keys for a big graph from ELK's layout of the condensed graph: a node's bundle x, then,
 * inside a bundle, the mean x of its children (childless members last, in input order).
 */
async function condensedOrder(elk: ElkLike, nodes: GraphNode[], edges: GraphEdge[]): Promise<Map<string, number>> {
  const { rep, graph } = condense(nodes, edges);
  const out = await elk.layout(graph);
  const bx = new Map<string, number>();
  for (const c of out.children ?? []) bx.set(c.id, (c.x ?? 0) + (c.width ?? 0) / 2);
  const childX = new Map<string, { sum: number; n: number }>();
  for (const e of edges) {
    const c = childX.get(e.source) ?? { sum: 0, n: 0 };
    c.sum += bx.get(rep.get(e.target)!) ?? 0;
    c.n += 1;
    childX.set(e.source, c);
  }
  // inside a bundle: position by children's mean x, scaled into (0, 1) so bundles never interleave
  let span = 1;
  for (const v of bx.values()) span = Math.max(span, Math.abs(v) * 2 + 1);
  const order = new Map<string, number>();
  nodes.forEach((n, i) => {
    const r = rep.get(n.id)!;
    const base = bx.get(r) ?? 0;
    if (r === n.id) return order.set(n.id, base);
    const c = childX.get(n.id);
    const inner = c ? c.sum / c.n / span + 0.5 : 1 + i / (nodes.length + 1);
    order.set(n.id, base + inner * 1e-3);
  });
  return order;
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
