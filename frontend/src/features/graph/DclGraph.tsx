/**
 * The live DCL graph (lazy chunk: React Flow + ELK load only with it). Lays the state out with
 * ELK, draws it top to bottom, animates edges from live events, opens a details drawer on click
 * or Enter, and dims everything off the lineage path when `highlight` is given.
 */
import { memo, useEffect, useLayoutEffect, useMemo, useRef, useState, type ComponentType } from 'react';
import { Background, Controls, getViewportForBounds, MiniMap, ReactFlow, type NodeProps, type ReactFlowInstance, type Viewport } from '@xyflow/react';
import '@xyflow/react/dist/style.css';
import './graph.css';
import { Center, Loader, Text } from '@mantine/core';
import { useElementSize, useMergedRef } from '@mantine/hooks';
import type { DclState, Layer } from '../../api/types';
import { toFlow, LAYER_NAMES, type CaptionFlowNode, type FlowNode, type GraphEdge } from './transform';
import { BIG, canvasHeight, layoutGraph, type LayoutResult } from './layout';
import { getElk, warmElk } from './elk';
import { CaptionNode } from './nodes/CaptionNode';
import { useFlowActivity } from './useFlowActivity';
import { GraphActions } from './GraphActions';
import { SourceNode } from './nodes/SourceNode';
import { TableNode } from './nodes/TableNode';
import { EntityNode } from './nodes/EntityNode';
import { AgentNode } from './nodes/AgentNode';
import { EdgeLayer } from './EdgeLayer';
import { NodeDrawer } from './NodeDrawer';
import { GraphLegend } from './GraphLegend';

/**
 * A node's component re-renders when its data or selection changes, not when a re-layout only
 * moves it (React Flow passes positions as props; the wrapper around it does the moving).
 */
function still<N extends FlowNode>(C: ComponentType<NodeProps<N>>) {
  return memo(C, (a: NodeProps<N>, b: NodeProps<N>) => a.data === b.data && a.selected === b.selected);
}
const nodeTypes = { source: still(SourceNode), table: still(TableNode), entity: still(EntityNode), agent: still(AgentNode), caption: still(CaptionNode) };

warmElk();

const MAX_CANVAS = 1400;
const MIN_ZOOM = 0.05;
const MAX_ZOOM = 2;

/** Run `fn` once the next frame has been painted; returns a cancel function. */
function afterPaint(fn: () => void): () => void {
  let cancelled = false;
  const id = requestAnimationFrame(() => {
    const ch = new MessageChannel();
    ch.port1.onmessage = () => !cancelled && fn();
    ch.port2.postMessage(null);
  });
  return () => {
    cancelled = true;
    cancelAnimationFrame(id);
  };
}

/** Below this width (a phone) the graph is not shrunk to fit: its text would be 5–7 px. */
export const NARROW = 600;
/** The least zoom on a narrow screen: 13 px node labels stay at least 11 px. */
export const READABLE_ZOOM = 11 / 13;
const CAPTION_W = 200;

/** Widest row before a layer wraps: what fits the container beside the layer captions at a
 * readable zoom (13 px labels shown at 11 px or more; rows 1.6 screens wide drew them at 6–7 px).
 * A graph too tall for the canvas then widens its rows (layoutGraph's fitHeight), except on a
 * phone, where it keeps the readable zoom and pans. */
export function rowWidthFor(containerWidth: number): number {
  const w = containerWidth || 1000;
  // a phone has no room for the layer captions: its rows take the whole width
  if (w < NARROW) return Math.max(200, Math.floor(w / READABLE_ZOOM) - 24);
  return Math.max(640, Math.min(4000, Math.floor(w / READABLE_ZOOM) - CAPTION_W - 16));
}

export interface DclGraphProps {
  state: DclState;
  highlight?: Set<string> | null;
}

export default function DclGraph({ state, highlight }: DclGraphProps) {
  const { ref: sizeRef, width } = useElementSize<HTMLDivElement>();
  const boxRef = useRef<HTMLDivElement | null>(null);
  const ref = useMergedRef(sizeRef, boxRef);
  const [layout, setLayout] = useState<LayoutResult | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [selected, setSelected] = useState<string | null>(null);
  const flowRef = useRef<ReactFlowInstance<FlowNode, GraphEdge> | null>(null);
  const timing = useRef<{ start: number; layoutMs?: number; drawMs?: number }>({ start: 0 });
  const inflight = useRef<Promise<LayoutResult> | null>(null);
  const base = useMemo(() => toFlow(state), [state]);
  // the container's width decides where wide layers wrap; read it before the first layout so
  // the graph is laid out once, not once per resize-observer report
  const [boxW, setBoxW] = useState(0);
  useLayoutEffect(() => setBoxW(boxRef.current?.getBoundingClientRect().width ?? 0), []);
  const effectiveW = width || boxW || (import.meta.env.VITEST ? 1000 : 0);
  const maxRowWidth = rowWidthFor(effectiveW);

  useEffect(() => {
    if (!effectiveW) return;
    let cancelled = false;
    timing.current = { start: performance.now() };
    performance.mark('dcl-graph:layout-start');
    const run = async () => {
      // one layout at a time: the worker cannot drop a superseded request, so a newer one waits
      // for the running one and the ones superseded meanwhile never start (a resize can ask
      // twice in a row when the scrollbar comes or goes)
      while (inflight.current) {
        await inflight.current.catch(() => undefined);
        if (cancelled) return;
      }
      const narrow = effectiveW < NARROW;
      const job = getElk().then((elk) => layoutGraph(elk, base.nodes, base.edges,
        narrow ? { maxRowWidth } : { maxRowWidth, fitWidth: effectiveW, fitHeight: MAX_CANVAS - 96 }));
      inflight.current = job;
      try {
        const r = await job;
        if (cancelled) return;
        timing.current.layoutMs = performance.now() - timing.current.start;
        performance.mark('dcl-graph:layout-end');
        setLayout(r);
      } catch (e: unknown) {
        if (!cancelled) setError(String(e));
      } finally {
        if (inflight.current === job) inflight.current = null;
      }
    };
    void run();
    return () => {
      cancelled = true;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [base, maxRowWidth]);

  const activity = useFlowActivity(base.edges);

  const narrow = effectiveW > 0 && effectiveW < NARROW;
  const captions = useMemo<CaptionFlowNode[]>(() => {
    if (!layout || narrow) return [];
    const left = Math.min(...layout.nodes.map((n) => n.position.x));
    return layout.layerTops.map(({ layer, y }) => ({
      id: `caption:${layer}`,
      type: 'caption' as const,
      position: { x: left - 200, y },
      width: 180,
      height: 40,
      measured: { width: 180, height: 40 },
      handles: [],
      selectable: false,
      focusable: false,
      draggable: false,
      data: { layer: layer as Layer, label: LAYER_NAMES[layer as Layer] },
    }));
  }, [layout, narrow]);

  const nodes = useMemo<FlowNode[]>(() => {
    if (!layout) return [];
    const laid = layout.nodes.map((n) => {
      const flags = activity.flags.get(n.id);
      const dimmed = !!highlight && !highlight.has(n.id);
      return flags || dimmed ? { ...n, data: { ...n.data, flags, dimmed } } : n;
    });
    return [...captions, ...laid];
  }, [layout, captions, activity.flags, highlight]);

  const edges = useMemo<GraphEdge[]>(
    () =>
      base.edges.map((e) => {
        const active = activity.edges.get(e.id);
        const dimmed = !!highlight && !(highlight.has(e.source) && highlight.has(e.target));
        return active || dimmed ? { ...e, data: { ...e.data!, active, dimmed } } : e;
      }),
    [base.edges, activity.edges, highlight],
  );

  // drawn: after the first paint that shows the laid-out nodes and their edges (every layout;
  // the benchmark and the e2e test read these)
  useEffect(() => {
    if (!layout) return;
    return afterPaint(() => {
      timing.current.drawMs = performance.now() - timing.current.start;
      performance.mark('dcl-graph:drawn', { detail: { nodes: layout.nodes.length } });
      const el = boxRef.current;
      el?.setAttribute('data-layout-ms', String(Math.round(timing.current.layoutMs ?? 0)));
      el?.setAttribute('data-draw-ms', String(Math.round(timing.current.drawMs)));
      console.info(`[dcl-graph] ${layout.nodes.length} nodes: layout ${Math.round(timing.current.layoutMs ?? 0)} ms, first draw ${Math.round(timing.current.drawMs)} ms`);
    });
  }, [layout]);

  const height = !layout ? 420 : narrow
    ? Math.round(Math.max(320, Math.min(MAX_CANVAS, layout.height * READABLE_ZOOM + 24)))
    : canvasHeight(layout.width + CAPTION_W, layout.height, effectiveW || 1000);
  // the viewport that fits the graph (captions included), computed here so the first frame is
  // already fitted: no fitView pass waiting for React Flow to measure 500 nodes. On a phone it
  // fits only down to a readable zoom, from the top left; the rest is a drag away.
  const viewport = useMemo<Viewport | null>(() => {
    if (!layout) return null;
    const left = Math.min(...layout.nodes.map((n) => n.position.x)) - (narrow ? 0 : CAPTION_W);
    const right = Math.max(...layout.nodes.map((n) => n.position.x + (n.width ?? 0)));
    const bounds = { x: left, y: 0, width: Math.max(1, right - left), height: Math.max(1, layout.height) };
    const fit = getViewportForBounds(bounds, Math.max(1, (effectiveW || 1000) - 2), height - 2, MIN_ZOOM, MAX_ZOOM, 0.08);
    if (!narrow || fit.zoom >= READABLE_ZOOM) return fit;
    return { x: 8 - left * READABLE_ZOOM, y: 8, zoom: READABLE_ZOOM };
  }, [layout, effectiveW, height, narrow]);
  useEffect(() => {
    if (viewport) flowRef.current?.setViewport(viewport, { duration: 0 });
  }, [viewport]);
  const actions = useMemo(() => ({ open: (id: string) => setSelected(id) }), []);
  const big = (layout?.nodes.length ?? 0) > BIG;

  return (
    <GraphActions.Provider value={actions}>
      {/* above the canvas, not over it: on a small graph an overlay covered the first node */}
      <GraphLegend />
      <div
        ref={ref}
        className="dcl-graph"
        style={{ height }}
        role="region"
        aria-label={`Data-flow graph: ${state.summary.sources} sources, ${state.summary.tables} tables, ${state.summary.entities} entities, ${state.summary.agents} agents`}
        data-testid="dcl-graph"
        data-nodes={layout?.nodes.length ?? 0}
        data-edges={layout ? edges.length : 0}
      >
        {error && <Center h="100%"><Text c="red">Layout failed: {error}</Text></Center>}
        {!layout && !error && <Center h="100%"><Loader aria-label="Laying out the graph" /></Center>}
        {layout && (
          <ReactFlow<FlowNode, GraphEdge>
            nodes={nodes}
            nodeTypes={nodeTypes}
            defaultViewport={viewport ?? undefined}
            onInit={(inst) => {
              flowRef.current = inst;
            }}
            onNodeClick={(_, n) => n.type !== 'caption' && setSelected(n.id)}
            nodesDraggable={false}
            nodesConnectable={false}
            elementsSelectable
            onlyRenderVisibleElements={big}
            minZoom={MIN_ZOOM}
            maxZoom={MAX_ZOOM}
            proOptions={{ hideAttribution: true }}
          >
            <Background gap={24} size={1} />
            <EdgeLayer nodes={layout.nodes} edges={edges} />
            <Controls showInteractive={false} />
            {!big && width > 1100 && <MiniMap pannable zoomable ariaLabel="Graph overview" style={{ width: 150, height: 90 }} />}
          </ReactFlow>
        )}
      </div>
      <NodeDrawer state={state} nodeId={selected} onClose={() => setSelected(null)} />
    </GraphActions.Provider>
  );
}
