import { Badge, Divider, Group, Paper, Stack, Text, Title } from '@mantine/core';
import { useRole } from './useSettings';
import { useWebhookSettings } from './useWebhooks';
import { AdminNote } from './AdminNote';
import { DeliveryLog } from './DeliveryLog';
import { WebhookSecretCard } from './WebhookSecretCard';
import { problemMessage } from '../auth/problemMessage';

/** Webhooks: the signing secret and the server's private-network policy (admins), the delivery log (everyone). */
export function WebhooksPanel() {
  const { isAdmin, loading } = useRole();
  return (
    <Stack gap="md">
      <Paper withBorder p="md" radius="md" component="section" aria-labelledby="webhooks-title">
        <Title order={3} id="webhooks-title" mb="sm">Webhooks</Title>
        {loading ? null : isAdmin ? (
          <Stack gap="md">
            <WebhookSecretCard />
            <Divider />
            <PrivateNetworks />
          </Stack>
        ) : (
          <AdminNote>The signing secret and the network setting are shown to owners and admins only.</AdminNote>
        )}
      </Paper>
      <Paper withBorder p="md" radius="md" component="section" aria-labelledby="deliveries-title">
        <Title order={3} id="deliveries-title" mb="sm">Delivery log</Title>
        <DeliveryLog />
      </Paper>
    </Stack>
  );
}

/** Whether callbacks may reach private networks: the server operator's setting, shown read-only
 * (an organization turning it on would let anyone who registers make the server call its own network). */
function PrivateNetworks() {
  const settings = useWebhookSettings(true);
  const allowed = settings.data?.allow_private_webhooks;
  return (
    <Stack gap={6} data-testid="private-networks">
      <Group gap="xs">
        <Text fw={500}>Callbacks to private networks</Text>
        {settings.data && <Badge color={allowed ? 'yellow' : 'gray'} variant="light">{allowed ? 'allowed' : 'refused'}</Badge>}
      </Group>
      <Text size="sm" c="dimmed">
        Private, loopback and link-local callback targets are the server operator&apos;s decision
        (AUTONOMOS_WEBHOOKS_ALLOW_PRIVATE, or single receivers in AUTONOMOS_WEBHOOKS_ALLOWED_TARGETS).
      </Text>
      {settings.isError && <Text c="red" size="sm">{problemMessage(settings.error)}</Text>}
    </Stack>
  );
}
