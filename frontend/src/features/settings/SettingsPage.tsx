import { Pending } from '../../app/Pending';

export function SettingsPage() {
  return <Pending title="Settings" endpoints={['API keys: /api/v1/api-keys', 'Webhooks: /api/v1/webhooks, /api/v1/webhooks/deliveries', 'Members and invitations: /api/v1/members, /api/v1/invitations']} />;
}
