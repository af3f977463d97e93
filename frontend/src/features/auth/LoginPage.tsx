import { Anchor, Alert, Button, Paper, PasswordInput, Stack, Text, TextInput, Title } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import { Link, useLocation, useNavigate } from 'react-router';
import { useLogin } from './useAuth';
import { problemMessage } from './problemMessage';
import { AuthFrame } from './AuthFrame';

export function LoginPage() {
  const login = useLogin();
  const navigate = useNavigate();
  const location = useLocation();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const next = (location.state as { from?: string } | null)?.from ?? '/';
  const registered = new URLSearchParams(location.search).get('registered');

  const submit = (e: FormEvent) => {
    e.preventDefault();
    login.mutate({ username: email, password }, { onSuccess: () => navigate(next, { replace: true }) });
  };
  return (
    <AuthFrame>
      <Paper withBorder p="xl" radius="md" component="form" onSubmit={submit} aria-labelledby="login-title">
        <Stack>
          <Title order={2} id="login-title">Sign in</Title>
          {registered && <Alert color="green">Organization created. Sign in with your new account.</Alert>}
          {login.isError && <Alert color="red" role="alert">{problemMessage(login.error)}</Alert>}
          <TextInput label="Email" type="email" autoComplete="username" required value={email} onChange={(e) => setEmail(e.currentTarget.value)} size="md" />
          <PasswordInput label="Password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.currentTarget.value)} size="md" />
          <Button type="submit" size="md" loading={login.isPending}>Sign in</Button>
          <Text size="sm">No account? <Anchor component={Link} to="/register">Create an organization</Anchor></Text>
        </Stack>
      </Paper>
    </AuthFrame>
  );
}
