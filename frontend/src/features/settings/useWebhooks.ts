import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, unwrap, type Schemas } from '../../api/client';

export type Delivery = Schemas['DeliveryOut'];

/** The signing secret; fetched only after "Reveal" so it is not sent to every admin who opens Settings. */
export function useWebhookSecret(enabled: boolean) {
  return useQuery({ queryKey: ['webhooks', 'secret'], queryFn: () => unwrap(api.GET('/api/v1/webhooks/secret')), enabled, staleTime: Infinity });
}

export function useRotateWebhookSecret() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: () => unwrap(api.POST('/api/v1/webhooks/secret/rotate')),
    onSuccess: (secret) => qc.setQueryData(['webhooks', 'secret'], secret),
  });
}

export function useWebhookSettings(enabled: boolean) {
  return useQuery({ queryKey: ['webhooks', 'settings'], queryFn: () => unwrap(api.GET('/api/v1/webhooks/settings')), enabled });
}

export const DELIVERY_PAGE = 25;

/** The delivery log, oldest first as the API pages it; "Load more" follows next_cursor. */
export function useDeliveries() {
  return useInfiniteQuery({
    queryKey: ['webhooks', 'deliveries'],
    initialPageParam: null as string | null,
    queryFn: ({ pageParam }) =>
      unwrap(api.GET('/api/v1/webhooks/deliveries', { params: { query: { limit: DELIVERY_PAGE, ...(pageParam ? { cursor: pageParam } : {}) } } })),
    getNextPageParam: (last) => last.next_cursor ?? null,
  });
}
