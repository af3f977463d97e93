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

/** The pipeline's schedule, or null when it has none (404). Refreshed while a run may be going. */
export function useSchedule(pipelineId: string | null) {
  return useQuery({
    queryKey: ['schedule', pipelineId],
    enabled: !!pipelineId,
    refetchInterval: 15_000,
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
