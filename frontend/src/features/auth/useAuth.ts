import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { apiFetch } from '../../api/http';
import { api, unwrap } from '../../api/client';
import { ApiError } from '../../api/problem';
import type { Me } from '../../api/types';

/** GET /api/v1/auth/me: the signed-in user, or null when the cookie is missing/expired. */
export function useMe() {
  return useQuery({
    queryKey: ['auth', 'me'],
    queryFn: async () => {
      try {
        return await unwrap<Me>(api.GET('/api/v1/auth/me'));
      } catch (e) {
        if (e instanceof ApiError && (e.status === 401 || e.status === 403)) return null;
        throw e;
      }
    },
    retry: false,
    staleTime: 60_000,
  });
}

export interface LoginInput {
  username: string;
  password: string;
}

/** POST /api/v1/auth/login as an OAuth2 password form; the server sets the session cookies. */
export function useLogin() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (input: LoginInput) =>
      apiFetch<{ access_token?: string }>('/api/v1/auth/login', { method: 'POST', body: { ...input, grant_type: 'password' }, form: true, noRefresh: true }),
    // forget the cached "signed out" answer so the console asks /me again on arrival
    onSuccess: () => qc.removeQueries({ queryKey: ['auth'] }),
  });
}

export interface RegisterInput {
  organization: string;
  email: string;
  password: string;
}

/** POST /api/v1/auth/register: a new organization with its owner. */
export function useRegister() {
  return useMutation({
    mutationFn: (input: RegisterInput) => unwrap(api.POST('/api/v1/auth/register', { body: input })),
  });
}

export function useLogout() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: () => unwrap(api.POST('/api/v1/auth/logout')),
    onSettled: () => {
      qc.setQueryData(['auth', 'me'], null);
      qc.removeQueries({ queryKey: ['dcl'] });
    },
  });
}

export function orgName(me: Me | null | undefined): string {
  return me?.organization?.name ?? '';
}
