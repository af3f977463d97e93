/** Shared figures formatting for the Runs page. */
export const STATUS_COLOR: Record<string, string> = {
  success: 'green', failed: 'red', cancelled: 'gray', running: 'blue', in_progress: 'blue', queued: 'yellow', partial: 'orange',
};

export const num = (v: unknown) => (typeof v === 'number' ? v.toLocaleString('en') : '—');

/** A run's epoch seconds or a task's ISO timestamp, as local time. */
export const when = (ts: number | string | null | undefined) =>
  ts == null ? '—' : new Date(typeof ts === 'number' ? ts * 1000 : ts).toLocaleString();

export const shortId = (id: string) => id.slice(0, 8);

/** progress as the API gives it (0-1; older rows 0-100) → whole percent */
export const percent = (p: number) => Math.round(p <= 1 ? p * 100 : p);
