import { Anchor, Stack, Text, Title } from '@mantine/core';
import { Link } from 'react-router';

export function NotFound() {
  return (
    <Stack>
      <Title order={2}>Page not found</Title>
      <Text>There is no console page here. <Anchor component={Link} to="/">Back to the overview</Anchor></Text>
    </Stack>
  );
}
