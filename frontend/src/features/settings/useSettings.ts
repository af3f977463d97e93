import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, unwrap, type Schemas } from '../../api/client';
import { useMe } from '../auth/useAuth';

export type ApiKeyCreated = Schemas['ApiKeyCreated'];
export type Role = Schemas['MemberOut']['role'];
export const ROLES: Role[] = ['owner', 'admin', 'member', 'viewer'];

/** The signed-in member's role and whether it may administer the organization. */
export function useRole(): { role: Role | undefined; isAdmin: boolean; userId: string | undefined; loading: boolean } {
  const me = useMe();
  const role = me.data?.role;
  return { role, isAdmin: role === 'owner' || role === 'admin', userId: me.data?.user?.id, loading: me.isLoading };
}

export function useApiKeys(enabled = true) {
  return useQuery({ queryKey: ['api-keys'], queryFn: () => unwrap(api.GET('/api/v1/api-keys')), enabled });
}

export function useCreateApiKey() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: Schemas['ApiKeyIn']) => unwrap(api.POST('/api/v1/api-keys', { body })),
    onSuccess: () => qc.invalidateQueries({ queryKey: ['api-keys'] }),
  });
}

export function useRevokeApiKey() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => unwrap(api.DELETE('/api/v1/api-keys/{key_id}', { params: { path: { key_id: id } } })),
    onSuccess: () => qc.invalidateQueries({ queryKey: ['api-keys'] }),
  });
}

export function useMembers() {
  return useQuery({ queryKey: ['members'], queryFn: () => unwrap(api.GET('/api/v1/members', { params: { query: { limit: 200 } } })) });
}

export function useUpdateMember() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ id, role }: { id: string; role: Role }) =>
      unwrap(api.PATCH('/api/v1/members/{membership_id}', { params: { path: { membership_id: id } }, body: { role } })),
    onSettled: () => qc.invalidateQueries({ queryKey: ['members'] }),
  });
}

export function useRemoveMember() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => unwrap(api.DELETE('/api/v1/members/{membership_id}', { params: { path: { membership_id: id } } })),
    onSettled: () => qc.invalidateQueries({ queryKey: ['members'] }),
  });
}

export function useInvitations(enabled = true) {
  return useQuery({
    queryKey: ['invitations'],
    queryFn: () => unwrap(api.GET('/api/v1/invitations', { params: { query: { limit: 200 } } })),
    enabled,
  });
}

export function useCreateInvitation() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: Schemas['InvitationIn']) => unwrap(api.POST('/api/v1/invitations', { body })),
    onSuccess: () => qc.invalidateQueries({ queryKey: ['invitations'] }),
  });
}

export function useRevokeInvitation() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (id: string) => unwrap(api.DELETE('/api/v1/invitations/{invitation_id}', { params: { path: { invitation_id: id } } })),
    onSuccess: () => qc.invalidateQueries({ queryKey: ['invitations'] }),
  });
}
