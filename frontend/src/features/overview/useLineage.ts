import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { api, unwrap } from '../../api/client';
import { demoStateParam } from '../graph/useDclState';

/** GET /dcl/lineage?q=: field-level paths source field → entity field → agents, and the node ids to light. */
export function useLineage(q: string) {
  const query = q.trim();
  return useQuery({
    queryKey: ['dcl', 'lineage', query],
    enabled: query.length > 0 && !demoStateParam(),
    placeholderData: keepPreviousData,
    queryFn: () => unwrap(api.GET('/dcl/lineage', { params: { query: { q: query } } })),
  });
}
