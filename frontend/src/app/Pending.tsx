import { Alert, Stack, Text, Title } from '@mantine/core';
import type { ReactNode } from 'react';

/** A page whose server endpoints are not there yet: says which ones it waits for. */
export function Pending({ title, endpoints, children }: { title: string; endpoints: string[]; children?: ReactNode }) {
  return (
    <Stack gap="md">
      <Title order={2}>{title}</Title>
      {children}
      <Alert color="gray" title="Coming with the service endpoints">
        <Text size="sm">This page fills in when the server exposes:</Text>
        <ul style={{ margin: '4px 0 0', paddingLeft: 20 }}>
          {endpoints.map((e) => <li key={e}><code>{e}</code></li>)}
        </ul>
      </Alert>
    </Stack>
  );
}
