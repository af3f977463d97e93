import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { api, unwrap } from '../../api/client';

export function useViews() {
  return useQuery({ queryKey: ['dcl', 'views'], queryFn: () => unwrap(api.GET('/dcl/views')) });
}

/** One page of a unified view's rows. */
export function useViewRows(entity: string | null, offset: number, limit = 50) {
  return useQuery({
    queryKey: ['dcl', 'views', entity, offset, limit],
    enabled: !!entity,
    placeholderData: keepPreviousData,
    queryFn: () => unwrap(api.GET('/dcl/views/{entity}', { params: { path: { entity: entity! }, query: { offset, limit } } })),
  });
}

export function useAgents() {
  return useQuery({ queryKey: ['aoa', 'agents'], queryFn: () => unwrap(api.GET('/aoa/agents')) });
}
