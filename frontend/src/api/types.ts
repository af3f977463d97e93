/**
 * The graph's view of GET /dcl/state and the event stream's of /ws/events.
 *
 * The graph types are the generated ones (src/api/schema.d.ts, from the server's StateOut): a
 * node is one of four shapes told apart by `kind`, each with the fields the server always sends.
 * The WebSocket stream is not in OpenAPI, so `EngineEvent` stays hand-written.
 */
import type { components } from './schema';

type Schemas = components['schemas'];

export type DclState = Schemas['StateOut'];
export type SourceNode = Schemas['SourceNode'];
export type TableNode = Schemas['TableNode'];
export type EntityNode = Schemas['EntityNode'];
/** `summary` is `unknown`: the agent's own value, a string by the Agent contract but unchecked. */
export type AgentNode = Schemas['AgentNode'];
export type DclNode = DclState['graph']['nodes'][number];
export type NodeKind = DclNode['kind'];
export type Layer = DclNode['layer'];
/** A node of one kind: `NodeOf<'table'>` is `TableNode`. */
export type NodeOf<K extends NodeKind> = Extract<DclNode, { kind: K }>;

export type DclEdge = Schemas['GraphEdge'];
export type EdgeType = DclEdge['type'];
export type DclSummary = Schemas['GraphSummary'];

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
  | 'run_finished'
  | 'run_log';

export interface EngineEvent {
  id: number;
  ts: number;
  type: EventType;
  run_id: string | null;
  data: Record<string, unknown>;
}

export type Me = components['schemas']['MeOut'];
