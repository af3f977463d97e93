import { Alert, Anchor, Center, Loader, Stack } from '@mantine/core';
import type { ReactNode } from 'react';
import { Navigate, useLocation } from 'react-router';
import { useMe } from './useAuth';
import { problemMessage } from './problemMessage';
import { previewWithoutSignIn } from '../graph/useDclState';

/** Signed-in routes; in dev builds the `?demo-state=` preview runs without a server or an account. */
export function RequireAuth({ children }: { children: ReactNode }) {
  const demo = previewWithoutSignIn();
  const me = useMe();
  const location = useLocation();
  if (demo) return <>{children}</>;
  if (me.isPending) return <Center h="100dvh"><Loader aria-label="Loading" /></Center>;
  if (me.isError) {
    return (
      <Center h="100dvh" p="md">
        <Stack maw={520}>
          <Alert color="red" title="The AutonomOS server is not answering">
            {problemMessage(me.error)}. Start it with <code>./start.sh</code>
            {import.meta.env.DEV && (
              <>
                , or preview the console with the demo graph: <Anchor href="/?demo-state=1">/?demo-state=1</Anchor>
              </>
            )}
            .
          </Alert>
        </Stack>
      </Center>
    );
  }
  if (!me.data) return <Navigate to="/login" replace state={{ from: location.pathname + location.search }} />;
  return <>{children}</>;
}
