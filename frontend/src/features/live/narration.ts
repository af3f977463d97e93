/**
 * Plain-language sentences from engine events, for the narration sidebar: what the engine is
 * doing, in the words of the people who own the sources.
 */
import type { EngineEvent } from '../../api/types';

export type Tone = 'info' | 'success' | 'warning' | 'error';

export interface Narration {
  id: number;
  ts: number;
  text: string;
  tone: Tone;
  /** per-field sentences (mapping_proposed) */
  details?: string[];
}

const KNOWN: Record<string, string> = {
  salesforce: 'Salesforce',
  hubspot: 'HubSpot',
  stripe: 'Stripe',
  aws: 'AWS',
  erp: 'ERP',
  gcp: 'GCP',
  azure: 'Azure',
  billing: 'Billing',
  csv: 'CSV',
  sql: 'SQL',
};

/** Display name of a source short name: HubSpot for `hubspot`; unknown names as given. */
export function sourceName(name: unknown, labels?: Record<string, string>): string {
  const s = String(name ?? '');
  return labels?.[s] ?? KNOWN[s.toLowerCase()] ?? s;
}

const n = (v: unknown) => (typeof v === 'number' ? v.toLocaleString('en') : String(v ?? '?'));
const conf = (v: unknown) => (typeof v === 'number' ? v.toFixed(2) : '?');
const code = (s: unknown) => `\`${String(s ?? '')}\``;
const list = (v: unknown) => (Array.isArray(v) ? v.map((x) => (typeof x === 'object' && x ? JSON.stringify(x) : String(x))).join(', ') : '');

function driftText(d: Record<string, unknown>): string {
  const parts: string[] = [];
  const added = d.added as unknown[] | undefined;
  const removed = d.removed as unknown[] | undefined;
  const renamed = d.renamed as { from: string; to: string }[] | undefined;
  const changed = d.type_changed as { field: string; from: string; to: string }[] | undefined;
  if (added?.length) parts.push(`added ${list(added)}`);
  if (removed?.length) parts.push(`removed ${list(removed)}`);
  if (renamed?.length) parts.push(`renamed ${renamed.map((r) => `${r.from} → ${r.to}`).join(', ')}`);
  if (changed?.length) parts.push(`retyped ${changed.map((c) => `${c.field} ${c.from} → ${c.to}`).join(', ')}`);
  return parts.join('; ') || 'schema changed';
}

export function narrate(ev: EngineEvent, labels?: Record<string, string>): Narration | null {
  const d = ev.data ?? {};
  const src = sourceName(d.source, labels);
  const base = { id: ev.id, ts: ev.ts };
  switch (ev.type) {
    case 'run_started': {
      const sources = Array.isArray(d.sources) ? d.sources.map((s) => sourceName(s, labels)) : [];
      return { ...base, tone: 'info', text: `Run started${d.pipeline ? ` (${d.pipeline})` : ''}: ${sources.length} source${sources.length === 1 ? '' : 's'}${sources.length ? ` — ${sources.join(', ')}` : ''}.` };
    }
    case 'stage_progress': {
      const stage = String(d.stage ?? 'stage');
      if (stage === 'connect' && !d.table) {
        return { ...base, tone: 'info', text: `Connecting to ${src} (${n((d.done as number) + 1)} of ${n(d.total)})…` };
      }
      if (stage === 'connect') return { ...base, tone: 'info', text: `${src} ${code(d.table)}: ${n(d.rows)} rows read.` };
      if (stage === 'normalize') return { ...base, tone: 'info', text: `${src} ${code(d.table)} normalized: ${n(d.rows)} rows typed and deduplicated.` };
      const where = d.source ? ` ${src}${d.table ? ` ${code(d.table)}` : ''}` : '';
      return { ...base, tone: 'info', text: `${stage[0].toUpperCase()}${stage.slice(1)}${where}: ${n(d.done)} of ${n(d.total)}.` };
    }
    case 'new_source':
      return { ...base, tone: 'success', text: `New source: ${src}${d.connector ? ` (${d.connector} connector)` : ''}.` };
    case 'source_removed':
      return { ...base, tone: 'warning', text: `Source removed: ${src}; its tables left the unified views.` };
    case 'schema_drift':
      return { ...base, tone: 'warning', text: `Schema drift in ${src} ${code(d.table)}: ${driftText(d)}.` };
    case 'mapping_proposed': {
      const fields = Array.isArray(d.fields) ? (d.fields as Record<string, unknown>[]) : [];
      const details = fields.map(
        (f) => `${src} ${code(`${d.table}.${f.field}`)} ${f.status === 'review' ? 'may map' : 'mapped'} to ${d.entity}.${f.canonical}, ${conf(f.confidence)}${f.reason ? `: ${f.reason}` : ''}`,
      );
      if (!d.entity) return { ...base, tone: 'warning', text: `${src} ${code(d.table)} matches no entity yet.`, details };
      const review = typeof d.review === 'number' && d.review > 0 ? `; ${d.review} to review` : '';
      return { ...base, tone: 'success', text: `${src} ${code(d.table)} mapped to ${d.entity}: ${n(d.mapped)} field${d.mapped === 1 ? '' : 's'} (${conf(d.confidence)})${review}.`, details };
    }
    case 'review_needed':
      return { ...base, tone: 'warning', text: `Needs review: ${src} ${code(`${d.table}.${d.field}`)} → ${d.entity}.${d.canonical}? ${conf(d.confidence)}${d.reason ? `: ${d.reason}` : ''}.` };
    case 'review_decided': {
      const verb = d.decision === 'approve' ? 'Approved' : d.decision === 'edit' ? 'Edited' : d.decision === 'reject' ? 'Rejected' : 'Decided';
      const target = d.canonical ? `${d.entity}.${d.canonical}` : 'nothing';
      return { ...base, tone: d.decision === 'reject' ? 'warning' : 'success', text: `${verb}: ${src} ${code(`${d.table}.${d.field}`)} → ${target}; the mappers learn from it.` };
    }
    case 'views_published': {
      const ents = Array.isArray(d.entities) ? d.entities : [];
      return { ...base, tone: 'success', text: `Published unified views (version ${n(d.version)}): ${ents.join(', ') || 'none'}.` };
    }
    case 'agent_finished': {
      const name = sourceName(d.agent, labels);
      if (d.status && d.status !== 'ok') return { ...base, tone: 'error', text: `Agent ${name} ${d.status}${d.summary ? `: ${d.summary}` : ''}.` };
      return { ...base, tone: 'success', text: `Agent ${name} finished${d.summary ? `: ${d.summary}` : '.'}` };
    }
    case 'fault':
      return { ...base, tone: 'error', text: `Fault${d.kind ? ` (${d.kind})` : ''}: ${d.message ?? 'unknown error'}.` };
    case 'run_finished': {
      const s = (d.stats ?? {}) as Record<string, unknown>;
      if (d.status !== 'success') return { ...base, tone: 'error', text: `Run ${d.status ?? 'failed'}${d.error ? `: ${d.error}` : ''}.` };
      const secs = typeof s.seconds === 'number' ? ` in ${s.seconds.toFixed(1)} s` : '';
      return { ...base, tone: 'success', text: `Run finished${secs}: ${n(s.rows)} rows, ${n(s.mapped_fields)} fields mapped, ${n(s.rejected)} rejected, ${n(s.review)} to review.` };
    }
    default:
      return null;
  }
}
