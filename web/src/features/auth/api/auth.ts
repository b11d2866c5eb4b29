/** Register and log in: both answer `{token, player}`. */
import { useQueryClient } from '@tanstack/react-query';
import { useSingleFlightMutation } from '../../../hooks/use-single-flight-mutation';
import { api } from '../../../lib/api';
import { keyedWrite } from '../../../lib/attempt-key';
import { queryKeys } from '../../../lib/query-keys';
import { tokenStore } from '../../../lib/token';
import type { AuthResponse, LoginInput, RegisterInput } from '../../../lib/types';

export const register = keyedWrite((input: RegisterInput, key: string) => api.post<AuthResponse>('/auth/register', input, key));
export const login = (input: LoginInput) => api.post<AuthResponse>('/auth/login', input);

function useAuthMutation<I>(fn: (input: I) => Promise<AuthResponse>) {
  const qc = useQueryClient();
  return useSingleFlightMutation({
    mutationFn: fn,
    onSuccess: ({ token, player }) => {
      qc.clear();
      qc.setQueryData(queryKeys.me, player);
      tokenStore.set(token, player.id);
    },
  });
}

export const useRegister = () => useAuthMutation(register);
export const useLogin = () => useAuthMutation(login);
