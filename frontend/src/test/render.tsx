import { MantineProvider } from '@mantine/core';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render } from '@testing-library/react';
import type { ReactElement, ReactNode } from 'react';
import { LiveContext } from '../features/live/LiveEventsProvider';
import { LiveStore } from '../features/live/liveStore';

/** Render inside the console's providers, with a live store the test can push events into. */
export function renderWithProviders(ui: ReactElement, store = new LiveStore()) {
  const qc = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  const wrapper = ({ children }: { children: ReactNode }) => (
    <MantineProvider>
      <QueryClientProvider client={qc}>
        <LiveContext.Provider value={store}>{children}</LiveContext.Provider>
      </QueryClientProvider>
    </MantineProvider>
  );
  return { ...render(ui, { wrapper }), store };
}
