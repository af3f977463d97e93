import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { apiFetch } from '../../api/http';
import { ApiError } from '../../api/problem';
import type { Me } from '../../api/types';

/** GET /api/v1/auth/me: the signed-in user, or null when the cookie is missing/expired. */
export function useMe() {
  return useQuery({
    queryKey: ['auth', 'me'],
    queryFn: async () => {
      try {
        return await apiFetch<Me>('/api/v1/auth/me');
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
    onSuccess: () => qc.invalidateQueries({ queryKey: ['auth'] }),
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
    mutationFn: (input: RegisterInput) => apiFetch<unknown>('/api/v1/auth/register', { method: 'POST', body: input, noRefresh: true }),
  });
}

export function useLogout() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: () => apiFetch<unknown>('/api/v1/auth/logout', { method: 'POST', noRefresh: true }),
    onSettled: () => {
      qc.setQueryData(['auth', 'me'], null);
      qc.removeQueries({ queryKey: ['dcl'] });
    },
  });
}

export function orgName(me: Me | null | undefined): string {
  if (!me) return '';
  const o = me.organization ?? (me as Record<string, unknown>).org ?? (me as Record<string, unknown>).tenant;
  if (typeof o === 'string') return o;
  if (o && typeof o === 'object' && 'name' in o) return String((o as { name: unknown }).name);
  return '';
}
