/**
 * The graph's and the event stream's own view of GET /dcl/state and /ws/events.
 *
 * Generated types (src/api/schema.d.ts, `StateOut`) describe the same JSON with `| null` on every
 * optional field; the graph code uses these narrower shapes, which mirror
 * `autonomos graph --json` and `autonomos events --json`. The WebSocket stream is not in OpenAPI,
 * so `EngineEvent` stays hand-written.
 */
import type { components } from './schema';

export type NodeKind = 'source' | 'table' | 'entity' | 'agent';
export type Layer = 0 | 1 | 2 | 3;

export interface DclNode {
  id: string;
  layer: Layer;
  kind: NodeKind;
  label: string;
  /** source/agent short name */
  name?: string;
  connector?: string;
  icon?: string;
  status?: string;
  /** table: owning source name */
  source?: string;
  rows?: number;
  rejected?: number;
  /** table: field count; entity: canonical field names */
  fields?: number | string[];
  /** table: the entity it maps to (null when unmapped) */
  entity?: string | null;
  /** table: fields waiting in Intelligence Review */
  review?: number;
  /** agent: entities it reads */
  consumes?: string[];
  /** agent: last result in one sentence */
  summary?: string | null;
  /** optional details the server may add later (schema, samples, mappings) */
  schema?: { name: string; type: string; nullable?: boolean }[];
  samples?: Record<string, unknown>[];
  mappings?: { field: string; canonical: string | null; confidence: number; status?: string; reason?: string }[];
  [extra: string]: unknown;
}

export type EdgeType = 'hierarchy' | 'dataflow';

export interface DclEdge {
  id: string;
  source: string;
  target: string;
  type: EdgeType;
  rows?: number;
  mapped_fields?: number;
  confidence?: number;
}

export interface DclSummary {
  sources: number;
  tables: number;
  entities: number;
  agents: number;
  rows: number;
  rejected: number;
  mapped_fields: number;
  review: number;
  [extra: string]: number;
}

export interface DclState {
  graph: { nodes: DclNode[]; edges: DclEdge[] };
  summary: DclSummary;
}

export type EventType =
  | 'run_started'
  | 'stage_progress'
  | 'new_source'
  | 'source_removed'
  | 'schema_drift'
  | 'mapping_proposed'
  | 'review_needed'
  | 'review_decided'
  | 'views_published'
  | 'agent_finished'
  | 'fault'
  | 'run_finished';

export interface EngineEvent {
  id: number;
  ts: number;
  type: EventType;
  run_id: string | null;
  data: Record<string, unknown>;
}

export type Me = components['schemas']['MeOut'];
