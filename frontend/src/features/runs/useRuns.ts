import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef } from 'react';
import { api, unwrap, type Schemas } from '../../api/client';

/** A task; `retry_of` names the task it retries (null when it is not a retry). */
export type Task = Schemas['TaskOut'];

/** Per-table figures of one run (GET /api/v1/runs/{id} `tables`): the stages a table went through;
 * a figure the run did not reach is absent. */
export type TableFigures = Schemas['RunTableFigures'];

const ACTIVE = new Set(['queued', 'in_progress']);
export const isActive = (t: { status: string }) => ACTIVE.has(t.status);
export const isRetryable = (t: { status: string }) => t.status === 'failed' || t.status === 'cancelled';

/** Pipeline runs (newest first), refreshed every few seconds while one is running. */
export function useRuns() {
  return useQuery({
    queryKey: ['runs'],
    queryFn: () => unwrap(api.GET('/api/v1/runs')),
    refetchInterval: (q) => (q.state.data?.items.some((r) => r.status === 'running') ? 2000 : 15000),
  });
}

/** One run with its events and per-table figures; refreshed while it runs. */
export function useRun(id: string) {
  return useQuery({
    queryKey: ['runs', id],
    queryFn: () => unwrap(api.GET('/api/v1/runs/{run_id}', { params: { path: { run_id: id } } })),
    refetchInterval: (q) => (q.state.data?.status === 'running' ? 2000 : false),
    select: (r) => ({ ...r, tables: r.tables ?? [] }),
  });
}

const TASK_PAGE = 200;

/** The newest tasks first (`order=desc`, one page); `truncated` says there are older ones. */
export async function fetchTasks(): Promise<{ items: Task[]; truncated: boolean }> {
  const res = await unwrap(api.GET('/api/v1/tasks', { params: { query: { limit: TASK_PAGE, order: 'desc' } } }));
  return { items: res.items, truncated: !!res.next_cursor };
}

/** Tasks, polled every second while one is queued or running; when one ends, runs are read again (it may have made one). */
export function useTasks() {
  const qc = useQueryClient();
  const tasks = useQuery({
    queryKey: ['tasks'],
    queryFn: fetchTasks,
    refetchInterval: (q) => (q.state.data?.items.some(isActive) ? 1000 : 15000),
  });
  const active = (tasks.data?.items ?? []).filter(isActive).map((t) => t.id).join(',');
  const before = useRef(active);
  useEffect(() => {
    if (before.current && before.current !== active) void qc.invalidateQueries({ queryKey: ['runs'] });
    before.current = active;
  }, [active, qc]);
  return tasks;
}

export function useCancelTask() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => unwrap(api.POST('/api/v1/tasks/{task_id}/cancel', { params: { path: { task_id: id } } })),
    onSuccess: () => qc.invalidateQueries({ queryKey: ['tasks'] }),
  });
}

/** POST /api/v1/tasks/{id}/retry (failed or cancelled tasks) → the new, queued task. */
export function useRetryTask() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => unwrap(api.POST('/api/v1/tasks/{task_id}/retry', { params: { path: { task_id: id } } })),
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: ['tasks'] });
      void qc.invalidateQueries({ queryKey: ['runs'] });
    },
  });
}
