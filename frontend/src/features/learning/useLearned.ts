import { useQuery } from '@tanstack/react-query';
import { api, unwrap } from '../../api/client';
import { demoStateParam } from '../graph/useDclState';

/** Mappings a person decided (mapper "human"): what review taught the mappers. */
export function useLearned() {
  return useQuery({
    queryKey: ['dcl', 'mappings', 'learned'],
    enabled: !demoStateParam(),
    queryFn: async () => (await unwrap(api.GET('/dcl/mappings'))).filter((m) => m.mapper === 'human'),
  });
}
