/**
 * /dcl/state JSON → React Flow nodes and edges (positions come later from the ELK layout).
 * Pure, so it is tested without a browser.
 */
import { Position, type Edge, type Node, type NodeHandle } from '@xyflow/react';
import type { DclEdge, DclNode, DclState, Layer } from '../../api/types';
import { edgeLook, type EdgeLook } from './edgeStyle';

export interface GraphNodeData<N extends DclNode = DclNode> extends Record<string, unknown> {
  node: N;
  /** highlighted by lineage search or selection */
  dimmed?: boolean;
  flags?: NodeFlags;
}

export interface NodeFlags {
  drift?: boolean;
  fault?: boolean;
  fresh?: boolean;
}

export interface GraphEdgeData extends Record<string, unknown> {
  edge: DclEdge;
  look: EdgeLook;
  active?: 'on' | 'fading';
  dimmed?: boolean;
}

/** A node of the graph; `GraphNode<TableNode>` is one whose data is a table. */
export type GraphNode<N extends DclNode = DclNode> = Node<GraphNodeData<N>>;
export type GraphEdge = Edge<GraphEdgeData>;

/** A layer's name at the left of its band (DclGraph): on the canvas, not in the graph. */
export interface CaptionData extends Record<string, unknown> {
  layer: Layer;
  label: string;
}
export type CaptionFlowNode = Node<CaptionData, 'caption'>;
/** What the canvas draws: the graph's nodes and the layer captions. */
export type FlowNode = GraphNode | CaptionFlowNode;

export const LAYER_NAMES: Record<Layer, string> = {
  0: 'Source systems',
  1: 'Source tables',
  2: 'Unified entities',
  3: 'Agents',
};

/**
 * Node box sizes fed to ELK; the components render to exactly these sizes. Whole pixels: the
 * DOM reports whole pixels, and a size React Flow measures differently from the one it was given
 * makes it re-measure and re-render that node.
 */
export function nodeSize(n: DclNode): { width: number; height: number } {
  const { width, height } = rawSize(n);
  return { width: Math.round(width), height };
}

function rawSize(n: DclNode): { width: number; height: number } {
  const chars = Math.min(n.label.length, 28);
  switch (n.kind) {
    case 'source':
      return { width: Math.max(150, 64 + chars * 8), height: 56 };
    case 'table':
      // icon + label + row count (+ review badge)
      return { width: Math.max(130, 92 + chars * 7.4 + (n.review ? 26 : 0)), height: 44 };
    case 'entity':
      return { width: Math.max(140, 96 + chars * 7.6), height: 48 };
    case 'agent':
      return { width: Math.max(150, 64 + chars * 8.4), height: 60 };
    default:
      return { width: 140, height: 48 };
  }
}

/** Border width of each node kind's box (graph.css), px: the handles sit on it. */
const BORDER: Record<DclNode['kind'], number> = { source: 1, table: 1, entity: 1, agent: 2 };

/**
 * Where React Flow will find the node's handles (in at the top centre, out at the bottom
 * centre; 6 px squares, graph.css): given up front, edges draw in the same frame as the nodes
 * instead of after React Flow has measured every handle in the DOM.
 */
export function nodeHandles(n: DclNode, width: number, height: number): NodeHandle[] {
  const b = BORDER[n.kind] ?? 1;
  const x = width / 2 - 3;
  const out: NodeHandle[] = [];
  if (n.kind !== 'source') out.push({ type: 'target', position: Position.Top, x, y: b - 3, width: 6, height: 6 });
  if (n.kind !== 'agent') out.push({ type: 'source', position: Position.Bottom, x, y: height - b - 3, width: 6, height: 6 });
  return out;
}

export function toFlow(state: DclState): { nodes: GraphNode[]; edges: GraphEdge[] } {
  const ids = new Set<string>();
  const nodes: GraphNode[] = [];
  // in a fixed order (layer, then id): ELK's layout follows its input's order, and the state
  // lists sources and tables in the order runs last touched them, so the graph reshuffled
  const byLayerThenId = (a: { layer: number; id: string }, b: { layer: number; id: string }) =>
    a.layer - b.layer || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
  for (const n of [...state.graph.nodes].sort(byLayerThenId)) {
    if (ids.has(n.id)) continue; // a duplicate id would break React Flow; first one wins
    ids.add(n.id);
    const size = nodeSize(n);
    nodes.push({
      id: n.id,
      type: n.kind,
      position: { x: 0, y: 0 },
      data: { node: n },
      width: size.width,
      height: size.height,
      // known size and handles: React Flow draws nodes and edges in the first frame and its
      // measuring pass finds nothing to change (no second render of every node)
      measured: { ...size },
      handles: nodeHandles(n, size.width, size.height),
      ariaLabel: ariaForNode(n),
    });
  }
  const edges: GraphEdge[] = [];
  for (const e of [...state.graph.edges].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))) {
    if (!ids.has(e.source) || !ids.has(e.target)) continue; // dangling edges are dropped
    const look = edgeLook(e);
    edges.push({
      id: e.id,
      source: e.source,
      target: e.target,
      type: 'flow',
      data: { edge: e, look },
      ariaLabel: ariaForEdge(e),
    });
  }
  return { nodes, edges };
}

export function ariaForNode(n: DclNode): string {
  const parts = [`${n.kind} ${n.label}`];
  if (n.kind === 'table' || n.kind === 'entity') parts.push(`${n.rows.toLocaleString('en')} rows`);
  if (n.kind === 'table' && n.rejected) parts.push(`${n.rejected} rejected`);
  if (n.kind === 'table' && n.review) parts.push(`${n.review} to review`);
  return parts.join(', ');
}

function ariaForEdge(e: DclEdge): string {
  const from = e.source.split(':').slice(1).join(':');
  const to = e.target.split(':').slice(1).join(':');
  const bits = [`${from} to ${to}`];
  if (e.rows != null) bits.push(`${e.rows} rows`);
  if (e.confidence != null) bits.push(`confidence ${e.confidence.toFixed(2)}`);
  return bits.join(', ');
}

/** Count of nodes per layer, e.g. for the height of the canvas. */
export function layerCounts(nodes: DclNode[]): Record<Layer, number> {
  const out: Record<Layer, number> = { 0: 0, 1: 0, 2: 0, 3: 0 };
  for (const n of nodes) out[n.layer] = (out[n.layer] ?? 0) + 1;
  return out;
}
