import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, unwrap, type Schemas } from '../../api/client';
import { ApiError } from '../../api/problem';

export type Schedule = Schemas['ScheduleOut'];
export type ScheduleIn = Schemas['ScheduleIn'];
export type SchedulePreview = Schemas['SchedulePreviewOut'];

const path = (id: string) => ({ params: { path: { pipeline_id: id } } });

/** Every schedule of the organization (the pipeline list shows which pipelines have one). */
export function useSchedules() {
  return useQuery({ queryKey: ['schedules'], queryFn: () => unwrap(api.GET('/api/v1/schedules')), refetchInterval: 30_000 });
}

/** How long until the schedule is worth reading again: soon after its next tick, often while its
 * run is going, else every 15 s (other workers and the CLI change schedules too). */
export function scheduleRefetchMs(s: Schedule | null | undefined, now = Date.now()): number {
  if (s && (s.last_status === 'queued' || s.last_status === 'in_progress')) return 2_000;
  if (s?.next_run_at) {
    const untilTick = new Date(s.next_run_at).getTime() - now;
    if (untilTick < 15_000) return Math.max(2_000, untilTick + 2_000);
  }
  return 15_000;
}

/** The pipeline's schedule, or null when it has none (404). Refreshed while a run may be going. */
export function useSchedule(pipelineId: string | null) {
  return useQuery({
    queryKey: ['schedule', pipelineId],
    enabled: !!pipelineId,
    refetchInterval: (q) => scheduleRefetchMs(q.state.data),
    queryFn: async (): Promise<Schedule | null> => {
      try {
        return await unwrap(api.GET('/api/v1/pipelines/{pipeline_id}/schedule', path(pipelineId!)));
      } catch (e) {
        if (e instanceof ApiError && e.status === 404) return null;
        throw e;
      }
    },
  });
}

export function previewSchedule(cron: string, timezone: string, signal?: AbortSignal): Promise<SchedulePreview> {
  return unwrap(api.POST('/api/v1/schedules/preview', { body: { cron, timezone }, signal }));
}

function useScheduleMutation<A>(fn: (id: string, arg: A) => Promise<Schedule | null>) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ id, arg }: { id: string; arg: A }) => fn(id, arg),
    onSuccess: (data, { id }) => {
      qc.setQueryData(['schedule', id], data);
      qc.invalidateQueries({ queryKey: ['schedules'] });
    },
  });
}

export const useSaveSchedule = () =>
  useScheduleMutation((id, body: ScheduleIn) => unwrap(api.PUT('/api/v1/pipelines/{pipeline_id}/schedule', { ...path(id), body })));
export const usePauseSchedule = () =>
  useScheduleMutation((id, paused: boolean) =>
    paused
      ? unwrap(api.POST('/api/v1/pipelines/{pipeline_id}/schedule/pause', path(id)))
      : unwrap(api.POST('/api/v1/pipelines/{pipeline_id}/schedule/resume', path(id))));
export const useDeleteSchedule = () =>
  useScheduleMutation(async (id, _: null) => {
    await unwrap(api.DELETE('/api/v1/pipelines/{pipeline_id}/schedule', path(id)));
    return null;
  });
