import { Badge, Button, Group, Text } from '@mantine/core';
import { useNavigate } from 'react-router';
import { orgName, useLogout, useMe } from '../features/auth/useAuth';
import { demoStateParam } from '../features/graph/useDclState';

/** Who is signed in, in which organization and role; logout. */
export function UserMenu() {
  const me = useMe();
  const logout = useLogout();
  const navigate = useNavigate();
  const preview = demoStateParam() ? <Badge variant="light" color="grape">demo preview</Badge> : null;
  if (!me.data) return preview;
  return (
    <Group gap="sm" wrap="nowrap">
      {preview}
      <div style={{ textAlign: 'right', lineHeight: 1.1 }} className="hide-xs">
        <Text size="sm" fw={500}>{me.data.user?.email ?? 'API key'}</Text>
        <Text size="xs" c="dimmed">{orgName(me.data)}{me.data.role ? ` · ${me.data.role}` : ''}</Text>
      </div>
      <Button variant="default" size="sm" mih={44} onClick={() => logout.mutate(undefined, { onSettled: () => navigate('/login') })}>
        Log out
      </Button>
    </Group>
  );
}
