import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, unwrap } from '../../api/client';

/** Pipeline runs (newest first), refreshed every few seconds while one is running. */
export function useRuns() {
  return useQuery({
    queryKey: ['runs'],
    queryFn: () => unwrap(api.GET('/api/v1/runs')),
    refetchInterval: (q) => (q.state.data?.items.some((r) => r.status === 'running') ? 2000 : 15000),
  });
}

export function useTasks() {
  return useQuery({
    queryKey: ['tasks'],
    queryFn: () => unwrap(api.GET('/api/v1/tasks')),
    refetchInterval: (q) => (q.state.data?.items.some((t) => t.status === 'queued' || t.status === 'in_progress') ? 1000 : 15000),
  });
}

export function useCancelTask() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => unwrap(api.POST('/api/v1/tasks/{task_id}/cancel', { params: { path: { task_id: id } } })),
    onSuccess: () => qc.invalidateQueries({ queryKey: ['tasks'] }),
  });
}
