import { Center, Container, Group, Text } from '@mantine/core';
import type { ReactNode } from 'react';
import { Logo } from '../../app/Logo';

export function AuthFrame({ children }: { children: ReactNode }) {
  return (
    <Center mih="100dvh" p="md" component="main">
      <Container size={440} w="100%">
        <Group justify="center" mb="lg" gap="xs">
          <Logo />
          <Text fw={700} size="xl">AutonomOS</Text>
        </Group>
        {children}
      </Container>
    </Center>
  );
}
