import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, unwrap, type Schemas } from '../../api/client';

export type LlmSettings = Schemas['LlmSettingsOut'];
/** api_key omitted: keep the stored key; null or "": remove it */
export type LlmSettingsIn = Schemas['LlmSettingsIn'];
export type LlmProvider = Schemas['LlmProviderOut'];

export function useLlmSettings() {
  return useQuery({ queryKey: ['llm', 'settings'], queryFn: () => unwrap(api.GET('/api/v1/settings/llm')) });
}

/** The registered providers and their models (a static list on the server). */
export function useLlmProviders() {
  return useQuery({ queryKey: ['llm', 'providers'], queryFn: () => unwrap(api.GET('/api/v1/llm/providers')), staleTime: Infinity });
}

export function useSaveLlmSettings() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: LlmSettingsIn) => unwrap(api.PUT('/api/v1/settings/llm', { body })),
    onSuccess: (s) => qc.setQueryData(['llm', 'settings'], s),
  });
}

/** One small real call with the saved settings; a failure is `ok: false` with the provider's message. */
export function useTestLlmSettings() {
  return useMutation({ mutationFn: () => unwrap(api.POST('/api/v1/settings/llm/test')) });
}
