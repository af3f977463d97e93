import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, unwrap, type Schemas } from '../../api/client';

export type Task = Schemas['TaskOut'];
const DONE = new Set(['success', 'failed', 'cancelled']);

/** Stored sources and agents that can be connected. */
export function useConnectChoices() {
  const sources = useQuery({ queryKey: ['sources'], queryFn: () => unwrap(api.GET('/api/v1/sources')) });
  const agents = useQuery({ queryKey: ['aoa', 'agents'], queryFn: () => unwrap(api.GET('/aoa/agents')) });
  return { sources, agents };
}

/** POST /dcl/connect → the task that rebuilds the catalog. */
export function useConnect() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: Schemas['ConnectIn']) => unwrap(api.POST('/dcl/connect', { body })),
    onSuccess: (task) => qc.setQueryData(['task', task.id], task),
  });
}

/** A task, polled every 500 ms until it ends. */
export function useTask(id: string | null | undefined) {
  return useQuery({
    queryKey: ['task', id],
    enabled: !!id,
    queryFn: () => unwrap(api.GET('/api/v1/tasks/{task_id}', { params: { path: { task_id: id! } } })),
    refetchInterval: (q) => (q.state.data && DONE.has(q.state.data.status) ? false : 500),
  });
}

export const isDone = (t: Task | undefined) => !!t && DONE.has(t.status);
