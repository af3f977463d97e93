import { Stack, Text, Title } from '@mantine/core';
import { ApiKeysPanel } from './ApiKeysPanel';
import { MembersPanel } from './MembersPanel';

/** API keys and members; webhooks, invitations and the LLM provider are still to come. */
export function SettingsPage() {
  return (
    <Stack gap="md">
      <Title order={2}>Settings</Title>
      <ApiKeysPanel />
      <MembersPanel />
      <Text size="sm" c="dimmed">Webhook secret and delivery log, invitations and the LLM provider are not in the console yet (the API has them under /api/v1/webhooks and /api/v1/invitations).</Text>
    </Stack>
  );
}
