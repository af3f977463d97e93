import { Alert, Button, Paper, PasswordInput, Stack, Text, Title } from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useNavigate, useParams } from 'react-router';
import { api, unwrap } from '../../api/client';
import { AuthFrame } from '../auth/AuthFrame';
import { problemMessage } from '../auth/problemMessage';
import { useLogin } from '../auth/useAuth';

/**
 * The page an invitation link opens (/invite/<token>): a new invitee sets a password, someone
 * with an account gives theirs; then they are signed in to the organization that invited them.
 */
export function AcceptInvitationPage() {
  const { token = '' } = useParams();
  const navigate = useNavigate();
  const login = useLogin();
  const [password, setPassword] = useState('');
  const accept = useMutation({
    mutationFn: () => unwrap(api.POST('/api/v1/invitations/{token}/accept', { params: { path: { token } }, body: { password } })),
    onSuccess: (me) =>
      login.mutate({ username: me.user?.email ?? '', password }, {
        onSuccess: () => navigate('/', { replace: true }),
        onError: () => navigate('/login', { replace: true }),
      }),
  });
  const tooShort = password.length > 0 && password.length < 8;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    accept.mutate();
  };
  return (
    <AuthFrame>
      <Paper withBorder p="xl" radius="md" component="form" onSubmit={submit} aria-labelledby="accept-title">
        <Stack>
          <Title order={2} id="accept-title">Join an organization</Title>
          <Text size="sm">
            You were invited to AutonomOS. Choose a password for your new account, or enter the password of the account you
            already have under the invited email.
          </Text>
          {accept.isError && (
            <Alert color="red" role="alert">
              {problemMessage(accept.error)}
              {accept.error && 'status' in accept.error && accept.error.status === 404 ? ': the link is unknown, used, revoked or expired. Ask for a new invitation.' : ''}
            </Alert>
          )}
          <PasswordInput label="Password" description="At least 8 characters" autoComplete="new-password" required size="md"
            value={password} error={tooShort ? 'Use at least 8 characters' : undefined} onChange={(e) => setPassword(e.currentTarget.value)} />
          <Button type="submit" size="md" loading={accept.isPending || login.isPending} disabled={tooShort || !password}>Join</Button>
        </Stack>
      </Paper>
    </AuthFrame>
  );
}
