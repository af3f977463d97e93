import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, unwrap, type Schemas } from '../../api/client';
import type { JsonSchema } from './schemaForm';

export type StoredSource = Schemas['SourceOut'];
export type Connector = Omit<Schemas['ConnectorOut'], 'config_schema'> & { config_schema: JsonSchema };
export type CheckResult = Schemas['CheckOut'];

/** Connected sources with their tables (the catalog's view). */
export function useDclSources() {
  return useQuery({ queryKey: ['dcl', 'sources'], queryFn: () => unwrap(api.GET('/dcl/sources')) });
}

/** Stored source definitions (secrets masked by the server). */
export function useStoredSources() {
  return useQuery({ queryKey: ['sources'], queryFn: () => unwrap(api.GET('/api/v1/sources')) });
}

/** Installed connectors with the JSON schema of their config (changes only with a deploy). */
export function useConnectors() {
  return useQuery({
    queryKey: ['connectors'],
    queryFn: async () => (await unwrap(api.GET('/api/v1/connectors'))) as Connector[],
    staleTime: 10 * 60_000,
  });
}

export interface SourceDraft {
  name: string;
  connector: string;
  config: Record<string, unknown>;
}

/** POST /api/v1/sources (no id) or PATCH /api/v1/sources/{id}. */
export function useSaveSource() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ id, draft }: { id?: string; draft: SourceDraft }) =>
      id
        ? unwrap(api.PATCH('/api/v1/sources/{source_id}', { params: { path: { source_id: id } }, body: { name: draft.name, config: draft.config } }))
        : unwrap(api.POST('/api/v1/sources', { body: draft })),
    onSuccess: () => qc.invalidateQueries({ queryKey: ['sources'] }),
  });
}

/**
 * Delete a stored source; when it is connected, also remove it from the catalog
 * (`DELETE /dcl/sources/{name}`: its tables leave the views at once). Runs never remove a source.
 */
export function useDeleteSource() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: async ({ source, connected }: { source: StoredSource; connected: boolean }) => {
      if (connected) await unwrap(api.DELETE('/dcl/sources/{name}', { params: { path: { name: source.name } } }));
      return unwrap(api.DELETE('/api/v1/sources/{source_id}', { params: { path: { source_id: source.id } } }));
    },
    onSuccess: () => Promise.all([qc.invalidateQueries({ queryKey: ['sources'] }), qc.invalidateQueries({ queryKey: ['dcl'] })]),
  });
}

/** PATCH the source's `select` (tables to load, columns to leave out); `{}` loads everything. */
export function useSaveSelection() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ id, select }: { id: string; select: Schemas['SourceSelect'] }) =>
      unwrap(api.PATCH('/api/v1/sources/{source_id}', { params: { path: { source_id: id } }, body: { select } })),
    onSuccess: () => qc.invalidateQueries({ queryKey: ['sources'] }),
  });
}

/** POST /api/v1/sources/{id}/test: the connector's check() and discover(), synchronously. */
export function useTestSource() {
  return useMutation({
    mutationFn: (id: string) => unwrap(api.POST('/api/v1/sources/{source_id}/test', { params: { path: { source_id: id } } })),
  });
}

/** POST /dcl/connect → the task that (re)loads these sources; the other connected ones stay. */
export function useRunSources() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: Schemas['ConnectIn']) => unwrap(api.POST('/dcl/connect', { body })),
    onSuccess: (task) => qc.setQueryData(['task', task.id], task),
  });
}

/** What a run of one stored source connects: just it (the server keeps every other source). */
export function runBody(source: StoredSource): Schemas['ConnectIn'] {
  return { sources: [source.id], demo: false, exclusive: false, full_refresh: false };
}
