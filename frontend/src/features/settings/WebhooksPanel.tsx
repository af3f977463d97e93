import { Alert, Divider, Paper, Stack, Switch, Text, Title } from '@mantine/core';
import { useRole } from './useSettings';
import { useUpdateWebhookSettings, useWebhookSettings } from './useWebhooks';
import { AdminNote } from './AdminNote';
import { DeliveryLog } from './DeliveryLog';
import { WebhookSecretCard } from './WebhookSecretCard';
import { problemMessage } from '../auth/problemMessage';

/** Webhooks: the signing secret and the private-network switch (admins), the delivery log (everyone). */
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

function PrivateNetworks() {
  const settings = useWebhookSettings(true);
  const update = useUpdateWebhookSettings();
  const checked = update.isPending ? Boolean(update.variables?.allow_private_webhooks) : Boolean(settings.data?.allow_private_webhooks);
  return (
    <Stack gap={6}>
      <Switch size="md" label="Allow callbacks to private networks" checked={checked} disabled={!settings.data || update.isPending}
        description="For an on-premises receiver: callbacks may reach private, loopback and link-local addresses. Off, they are refused."
        onChange={(e) => update.mutate({ allow_private_webhooks: e.currentTarget.checked })} data-testid="allow-private" />
      {settings.isError && <Text c="red" size="sm">{problemMessage(settings.error)}</Text>}
      {update.isError && <Alert color="red">{problemMessage(update.error)}</Alert>}
    </Stack>
  );
}
