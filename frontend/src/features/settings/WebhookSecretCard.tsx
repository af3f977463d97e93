import { Alert, Button, Code, CopyButton, Group, Stack, Text } from '@mantine/core';
import { useState } from 'react';
import { useRotateWebhookSecret, useWebhookSecret } from './useWebhooks';
import { ConfirmButton } from './ConfirmButton';
import { problemMessage } from '../auth/problemMessage';

const MASK = 'whsec_••••••••••••••••••••••••';

/** The Standard Webhooks signing secret: hidden until "Reveal", copy, rotate after a confirm. */
export function WebhookSecretCard() {
  const [shown, setShown] = useState(false);
  const secret = useWebhookSecret(shown);
  const rotate = useRotateWebhookSecret();
  const value = shown ? secret.data?.secret : undefined;
  const rotatedAt = secret.data?.rotated_at ?? rotate.data?.rotated_at;
  return (
    <Stack gap="xs">
      <Text fw={600} id="secret-label">Signing secret</Text>
      <Text size="sm" c="dimmed">Receivers verify the webhook-signature header of every callback with it.</Text>
      <Code block aria-labelledby="secret-label" data-testid="webhook-secret" style={{ whiteSpace: 'pre-wrap', wordBreak: 'break-all' }}>
        {value ?? (shown && secret.isLoading ? 'loading…' : MASK)}
      </Code>
      <Group gap="sm">
        <Button mih={44} variant="default" onClick={() => setShown((s) => !s)} aria-pressed={shown}>{shown ? 'Hide' : 'Reveal'}</Button>
        <CopyButton value={value ?? ''}>
          {({ copied, copy }) => <Button mih={44} variant="light" disabled={!value} onClick={copy}>{copied ? 'Copied' : 'Copy'}</Button>}
        </CopyButton>
        <ConfirmButton variant="light" loading={rotate.isPending} title="Rotate the signing secret?"
          message="A new secret signs every delivery from now on, retries of older messages included. Receivers that still check the old secret will reject them until you update them."
          onConfirm={() => rotate.mutate(undefined, { onSuccess: () => setShown(true) })}>Rotate</ConfirmButton>
      </Group>
      {rotatedAt && <Text size="xs" c="dimmed">Last rotated {new Date(rotatedAt).toLocaleString()}</Text>}
      {rotate.isSuccess && <Text size="sm" c="green" role="status">Rotated: the new secret is shown above.</Text>}
      {(secret.isError || rotate.isError) && <Alert color="red">{problemMessage(secret.error ?? rotate.error)}</Alert>}
    </Stack>
  );
}
