import { Alert, Button, Paper, PasswordInput, Stack, Text, Title } from '@mantine/core';
import { useMutation, useQuery } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useNavigate, useParams } from 'react-router';
import { api, unwrap } from '../../api/client';
import { AuthFrame } from '../auth/AuthFrame';
import { problemMessage } from '../auth/problemMessage';
import { useLogin } from '../auth/useAuth';

/**
 * The page an invitation link opens (/invite/<token>): a new invitee sets a password, someone
 * with an account gives theirs; then they are signed in to the organization that invited them.
 * The server says whether the email has an account only to someone signed in as it (the inviter
 * holds the link too), so the page asks for either.
 */
export function AcceptInvitationPage() {
  const { token = '' } = useParams();
  const navigate = useNavigate();
  const login = useLogin();
  const [password, setPassword] = useState('');
  const preview = useQuery({
    queryKey: ['invitation', token],
    queryFn: () => unwrap(api.GET('/api/v1/invitations/{token}', { params: { path: { token } } })),
    retry: false,
  });
  const inv = preview.data;
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
          <Title order={2} id="accept-title">{inv ? `Join ${inv.organization}` : 'Join an organization'}</Title>
          {inv ? (
            <Text size="sm" data-testid="invitation-preview">
              <b>{inv.organization}</b> invited <b>{inv.email}</b> as <b>{inv.role}</b>.{' '}
              {inv.account_exists
                ? 'You are signed in as this email: enter your password to join.'
                : 'If this email already has an account, enter its password; otherwise choose a password for your new account.'}
            </Text>
          ) : preview.isError ? (
            <Alert color="red" role="alert">This invitation link is unknown, used, revoked or expired. Ask for a new invitation.</Alert>
          ) : (
            <Text size="sm">Looking up the invitation…</Text>
          )}
          {accept.isError && (
            <Alert color="red" role="alert">
              {problemMessage(accept.error)}
              {accept.error && 'status' in accept.error && accept.error.status === 404 ? ': the link is unknown, used, revoked or expired. Ask for a new invitation.' : ''}
            </Alert>
          )}
          <PasswordInput label="Password" description={inv?.account_exists ? 'The password of your account' : 'Your account\'s password, or a new one of at least 8 characters'}
            autoComplete={inv?.account_exists ? 'current-password' : 'new-password'} required size="md"
            value={password} error={tooShort ? 'Use at least 8 characters' : undefined} onChange={(e) => setPassword(e.currentTarget.value)} />
          <Button type="submit" size="md" loading={accept.isPending || login.isPending} disabled={tooShort || !password || preview.isError}>Join</Button>
        </Stack>
      </Paper>
    </AuthFrame>
  );
}
