/**
 * TEMPORARY hand-written shapes for GET /dcl/state and the /ws/events stream.
 *
 * TO BE REPLACED by the types generated from the server's OpenAPI schema (`npm run gen:api`
 * writes src/api/schema.d.ts). They mirror `autonomos graph --json` and `autonomos events --json`
 * exactly; fields the engine may add later are optional here.
 */

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

export interface Me {
  id?: string;
  email: string;
  role?: string;
  organization?: { id?: string; name: string } | string;
  [extra: string]: unknown;
}
