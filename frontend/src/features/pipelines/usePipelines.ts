import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, unwrap, type Schemas } from '../../api/client';
import { apiFetch } from '../../api/http';

export type SpecError = Schemas['SpecError'];
export type Validation = Schemas['ValidationOut'];
export type Pipeline = Schemas['PipelineOut'];

export function usePipelines() {
  return useQuery({ queryKey: ['pipelines'], queryFn: () => unwrap(api.GET('/api/v1/pipelines')) });
}

// The OpenAPI schema does not describe these bodies (the server reads YAML or JSON {name, yaml}
// itself), so these two go through apiFetch with the JSON form.
export function validatePipeline(name: string, yaml: string, signal?: AbortSignal): Promise<Validation> {
  return apiFetch<Validation>('/api/v1/pipelines/validate', { method: 'POST', body: { name, yaml }, signal });
}

export function useSavePipeline() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ name, yaml }: { name: string; yaml: string }) =>
      apiFetch<Pipeline>('/api/v1/pipelines', { method: 'POST', body: { name, yaml } }),
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
