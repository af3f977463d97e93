import { QueryClient } from '@tanstack/react-query';
import { ApiError } from '../api/problem';

export function makeQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: {
        // 4xx answers are final; network trouble and 5xx get two retries
        retry: (count, err) => count < 2 && !(err instanceof ApiError && err.status < 500),
        refetchOnWindowFocus: false,
      },
    },
  });
}
