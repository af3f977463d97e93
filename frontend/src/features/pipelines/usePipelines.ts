import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, unwrap, type Schemas } from '../../api/client';

export type SpecError = Schemas['SpecError'];
export type Validation = Schemas['ValidationOut'];
export type Pipeline = Schemas['PipelineOut'];

export function usePipelines() {
  return useQuery({ queryKey: ['pipelines'], queryFn: () => unwrap(api.GET('/api/v1/pipelines')) });
}

// The server also takes the YAML as text (?name=); the console sends the JSON form {name, yaml}.
export function validatePipeline(name: string, yaml: string, signal?: AbortSignal): Promise<Validation> {
  return unwrap(api.POST('/api/v1/pipelines/validate', { body: { name, yaml }, signal }));
}

export function useSavePipeline() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ name, yaml }: { name: string; yaml: string }): Promise<Pipeline> =>
      unwrap(api.POST('/api/v1/pipelines', { body: { name, yaml } })),
    onSuccess: () => qc.invalidateQueries({ queryKey: ['pipelines'] }),
  });
}

export function useRunPipeline() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => unwrap(api.POST('/api/v1/pipelines/{pipeline_id}/run', { params: { path: { pipeline_id: id } } })),
    onSuccess: () => qc.invalidateQueries({ queryKey: ['tasks'] }),
  });
}
