import type { AgentNode } from '../../api/types';

/** 1234 → "1.2k": node counts must stay short. */
export function compact(n: number | undefined | null): string {
  if (n == null) return '';
  if (n < 1000) return String(n);
  if (n < 1e6) return `${(n / 1e3).toFixed(n < 1e4 ? 1 : 0)}k`;
  return `${(n / 1e6).toFixed(n < 1e7 ? 1 : 0)}M`;
}

/**
 * An agent's last summary when it is text. The Agent contract asks for a string, but the server
 * passes on whatever the agent returned (the schema's `summary: unknown`).
 */
export function agentSummary(n: AgentNode): string | null {
  return typeof n.summary === 'string' && n.summary ? n.summary : null;
}
