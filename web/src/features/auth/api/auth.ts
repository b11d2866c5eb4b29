/** Register and log in: both answer `{token, player}`. */
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api, newIdempotencyKey } from '../../../lib/api';
import { queryKeys } from '../../../lib/query-keys';
import { tokenStore } from '../../../lib/token';
import type { AuthResponse, LoginInput, RegisterInput } from '../../../lib/types';

export const register = (input: RegisterInput) => api.post<AuthResponse>('/auth/register', input, newIdempotencyKey());
export const login = (input: LoginInput) => api.post<AuthResponse>('/auth/login', input);

function useAuthMutation<I>(fn: (input: I) => Promise<AuthResponse>) {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: fn,
    onSuccess: ({ token, player }) => {
      qc.clear();
      qc.setQueryData(queryKeys.me, player);
      tokenStore.set(token);
    },
  });
}

export const useRegister = () => useAuthMutation(register);
export const useLogin = () => useAuthMutation(login);
