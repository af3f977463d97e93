import { Anchor, Alert, Button, Paper, PasswordInput, Stack, Text, TextInput, Title } from '@mantine/core';
import { useState, type FormEvent } from 'react';
import { Link, useNavigate } from 'react-router';
import { useLogin, useRegister } from './useAuth';
import { problemMessage } from './problemMessage';
import { AuthFrame } from './AuthFrame';

export function RegisterPage() {
  const register = useRegister();
  const login = useLogin();
  const navigate = useNavigate();
  const [organization, setOrganization] = useState('');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const tooShort = password.length > 0 && password.length < 8;

  const submit = (e: FormEvent) => {
    e.preventDefault();
    register.mutate(
      { organization, email, password },
      {
        // sign straight in; if that fails, the login page says why
        onSuccess: () =>
          login.mutate({ username: email, password }, {
            onSuccess: () => navigate('/', { replace: true }),
            onError: () => navigate('/login?registered=1', { replace: true }),
          }),
      },
    );
  };
  return (
    <AuthFrame>
      <Paper withBorder p="xl" radius="md" component="form" onSubmit={submit} aria-labelledby="register-title">
        <Stack>
          <Title order={2} id="register-title">Create an organization</Title>
          {register.isError && <Alert color="red" role="alert">{problemMessage(register.error)}</Alert>}
          <TextInput label="Organization" required value={organization} onChange={(e) => setOrganization(e.currentTarget.value)} size="md" />
          <TextInput label="Email" type="email" autoComplete="email" required value={email} onChange={(e) => setEmail(e.currentTarget.value)} size="md" />
          <PasswordInput
            label="Password"
            description="At least 8 characters"
            autoComplete="new-password"
            required
            value={password}
            error={tooShort ? 'Use at least 8 characters' : undefined}
            onChange={(e) => setPassword(e.currentTarget.value)}
            size="md"
          />
          <Button type="submit" size="md" loading={register.isPending || login.isPending} disabled={tooShort}>Create and sign in</Button>
          <Text size="sm">Already registered? <Anchor component={Link} to="/login">Sign in</Anchor></Text>
        </Stack>
      </Paper>
    </AuthFrame>
  );
}
