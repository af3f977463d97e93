import { useQuery } from '@tanstack/react-query';
import { api, unwrap } from '../../api/client';

/** Connected sources with their tables (the catalog's view). */
export function useDclSources() {
  return useQuery({ queryKey: ['dcl', 'sources'], queryFn: () => unwrap(api.GET('/dcl/sources')) });
}

/** Stored source definitions (secrets masked by the server). */
export function useStoredSources() {
  return useQuery({ queryKey: ['sources'], queryFn: () => unwrap(api.GET('/api/v1/sources')) });
}
