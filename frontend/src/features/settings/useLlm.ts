import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { apiFetch } from '../../api/http';

// Contract item 2 (docs/api.md); switch to the generated client once schema.d.ts has these routes.
export interface LlmSettings {
  provider: string | null;
  model: string | null;
  api_key_set: boolean;
  updated_at: string | null;
  server_default: { provider: string | null; model: string | null };
}
export interface LlmSettingsIn {
  provider: string | null;
  model: string | null;
  /** omitted: keep the stored key; null or "": remove it */
  api_key?: string | null;
}
export interface LlmProvider {
  name: string;
  default_model: string;
  models: string[];
}
export interface LlmTestResult {
  ok: boolean;
  provider: string | null;
  model: string | null;
  message: string;
  duration_ms: number;
}

export function useLlmSettings() {
  return useQuery({ queryKey: ['llm', 'settings'], queryFn: () => apiFetch<LlmSettings>('/api/v1/settings/llm') });
}

export function useLlmProviders() {
  return useQuery({
    queryKey: ['llm', 'providers'],
    queryFn: () => apiFetch<{ items: LlmProvider[] }>('/api/v1/llm/providers'),
    staleTime: Infinity,
  });
}

export function useSaveLlmSettings() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: LlmSettingsIn) => apiFetch<LlmSettings>('/api/v1/settings/llm', { method: 'PUT', body }),
    onSuccess: (s) => qc.setQueryData(['llm', 'settings'], s),
  });
}

export function useTestLlmSettings() {
  return useMutation({ mutationFn: () => apiFetch<LlmTestResult>('/api/v1/settings/llm/test', { method: 'POST' }) });
}
