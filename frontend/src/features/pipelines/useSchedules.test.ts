import { describe, expect, it } from 'vitest';
import { scheduleRefetchMs, type Schedule } from './useSchedules';

const NOW = Date.parse('2026-12-04T10:00:00Z');
const at = (ms: number) => new Date(NOW + ms).toISOString();
const schedule = (s: Partial<Schedule>) => ({ next_run_at: null, last_status: null, ...s }) as Schedule;

describe('scheduleRefetchMs', () => {
  it('polls often while the scheduled run is going', () => {
    expect(scheduleRefetchMs(schedule({ last_status: 'in_progress', next_run_at: at(50_000) }), NOW)).toBe(2_000);
    expect(scheduleRefetchMs(schedule({ last_status: 'queued' }), NOW)).toBe(2_000);
  });

  it('reads again just after a tick that is near, not before', () => {
    expect(scheduleRefetchMs(schedule({ next_run_at: at(9_000) }), NOW)).toBe(11_000);
    expect(scheduleRefetchMs(schedule({ next_run_at: at(-5_000) }), NOW)).toBe(2_000); // overdue: the tick is being claimed
  });

  it('falls back to every 15 s (paused, far tick, no schedule)', () => {
    expect(scheduleRefetchMs(schedule({ next_run_at: at(3_600_000), last_status: 'success' }), NOW)).toBe(15_000);
    expect(scheduleRefetchMs(schedule({}), NOW)).toBe(15_000);
    expect(scheduleRefetchMs(null, NOW)).toBe(15_000);
  });
});
