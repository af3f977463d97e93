import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, unwrap, type Schemas } from '../../api/client';

export type ReviewItem = Schemas['MappingOut'];

/** GET /dcl/review: mappings waiting for a person. */
export function useReviewQueue() {
  return useQuery({ queryKey: ['dcl', 'review'], queryFn: () => unwrap(api.GET('/dcl/review')) });
}

/** Approve, edit or reject one mapping; the views republish, so the graph and queue refetch. */
export function useDecide() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ id, decision, canonical }: { id: number; decision: 'approve' | 'edit' | 'reject'; canonical?: string }) =>
      unwrap(api.POST('/dcl/review/{mapping_id}', { params: { path: { mapping_id: id } }, body: { decision, canonical: canonical ?? null } })),
    onSuccess: () => qc.invalidateQueries({ queryKey: ['dcl'] }),
  });
}

export function useBulkApprove() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (ids: number[]) => unwrap(api.POST('/dcl/review/bulk', { body: { ids } })),
    onSuccess: () => qc.invalidateQueries({ queryKey: ['dcl'] }),
  });
}
