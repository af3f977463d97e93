import { ApiError } from '../../api/problem';

/** One readable line from a problem-details error, naming the field when the server did. */
export function problemMessage(err: unknown): string {
  if (err instanceof ApiError) {
    const fields = (err.problem.errors ?? []).map((e) => [e.field ?? e.key, e.message].filter(Boolean).join(': ')).filter(Boolean);
    if (err.status === 429) return 'Too many attempts; wait a moment and try again.';
    const head = err.problem.detail || err.problem.title || `Request failed (${err.status})`;
    // a 422's detail already says "field: message" for each error: do not say it twice
    return [head, ...fields.filter((f) => !head.includes(f))].join(' — ');
  }
  if (err instanceof Error) return err.message;
  return 'Request failed';
}
