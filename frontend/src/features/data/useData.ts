import { keepPreviousData, useMutation, useQuery } from '@tanstack/react-query';
import { api, unwrap, type Schemas } from '../../api/client';

export type Relation = Schemas['RelationOut'];
export type RelationRows = Schemas['RelationRows'];
export type RejectedPage = Schemas['RejectedPage'];
export type RejectedRow = Schemas['RejectedRow'];
export type QueryResult = Schemas['QueryOut'];

/** A relation's address in the data browser and the API: `schema.name`. */
export const relationKey = (r: { schema: string; name: string }) => `${r.schema}.${r.name}`;

/** GET /dcl/tables: every relation the organization can query. */
export function useTables() {
  return useQuery({ queryKey: ['dcl', 'tables'], queryFn: () => unwrap(api.GET('/dcl/tables')) });
}

/** One page of a relation's rows (`enabled` lets the graph's demo preview skip the server). */
export function useTableRows(schema: string | null, name: string | null, offset = 0, limit = 50, enabled = true) {
  return useQuery({
    queryKey: ['dcl', 'tables', schema, name, 'rows', offset, limit],
    enabled: enabled && !!schema && !!name,
    placeholderData: keepPreviousData,
    queryFn: () => unwrap(api.GET('/dcl/tables/{schema}/{name}/rows', {
      params: { path: { schema: schema!, name: name! }, query: { offset, limit } },
    })),
  });
}

/** One page of what a relation quarantined, with reasons and unreadable cells. */
export function useTableRejected(schema: string | null, name: string | null, offset = 0, limit = 50) {
  return useQuery({
    queryKey: ['dcl', 'tables', schema, name, 'rejected', offset, limit],
    enabled: !!schema && !!name,
    placeholderData: keepPreviousData,
    queryFn: () => unwrap(api.GET('/dcl/tables/{schema}/{name}/rejected', {
      params: { path: { schema: schema!, name: name! }, query: { offset, limit } },
    })),
  });
}

/** POST /dcl/query: one read-only SELECT with a row limit. */
export function useRunQuery() {
  return useMutation({
    mutationFn: ({ sql, limit }: { sql: string; limit: number }) => unwrap(api.POST('/dcl/query', { body: { sql, limit } })),
  });
}
