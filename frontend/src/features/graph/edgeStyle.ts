/**
 * How an edge looks: width by rows (log scale), colour by mapping confidence, layer 0 → 1
 * (source → table) edges drawn thin and dashed so the data flow stands out from the hierarchy.
 */
import type { DclEdge } from '../../api/types';

export const CONFIDENCE_BANDS = [
  { min: 0.9, color: '#2f9e44', label: 'high (≥ 0.90)' },
  { min: 0.75, color: '#f08c00', label: 'medium (0.75–0.90)' },
  { min: 0, color: '#e03131', label: 'low (< 0.75)' },
] as const;

/** Darker shades of the band colours for text on a light background (contrast ≥ 4.5:1). */
const TEXT_OF: Record<string, string> = { '#2f9e44': '#2b7a3b', '#f08c00': '#a34d00', '#e03131': '#c92a2a', '#4c6ef5': '#364fc7' };

export function confidenceTextColor(confidence: number | undefined | null): string {
  const c = confidenceColor(confidence);
  return TEXT_OF[c] ?? c;
}

export const NEUTRAL_FLOW = '#4c6ef5';
export const HIERARCHY_COLOR = '#868e96';

export function confidenceColor(confidence: number | undefined | null): string {
  if (confidence == null || Number.isNaN(confidence)) return NEUTRAL_FLOW;
  for (const band of CONFIDENCE_BANDS) if (confidence >= band.min) return band.color;
  return CONFIDENCE_BANDS[CONFIDENCE_BANDS.length - 1].color;
}

/** 1.5 px for a handful of rows, ~8 px at a million; monotonic, never below 1. */
export function edgeWidth(rows: number | undefined | null): number {
  const r = Math.max(0, rows ?? 0);
  return Math.min(9, 1.5 + Math.log10(r + 1) * 1.25);
}

export interface EdgeLook {
  stroke: string;
  strokeWidth: number;
  dashed: boolean;
  /** source → table edges belong to the source system, not to the data flow */
  hierarchy: boolean;
}

export function edgeLook(edge: Pick<DclEdge, 'type' | 'rows' | 'confidence'>): EdgeLook {
  if (edge.type === 'hierarchy') {
    return { stroke: HIERARCHY_COLOR, strokeWidth: Math.min(3, 1 + Math.log10((edge.rows ?? 0) + 1) * 0.4), dashed: true, hierarchy: true };
  }
  return { stroke: confidenceColor(edge.confidence), strokeWidth: edgeWidth(edge.rows), dashed: false, hierarchy: false };
}
