import { createBrowserRouter, RouterProvider } from 'react-router';
import { AppLayout } from './AppLayout';
import { RequireAuth } from '../features/auth/RequireAuth';
import { LoginPage } from '../features/auth/LoginPage';
import { RegisterPage } from '../features/auth/RegisterPage';
import { OverviewPage } from '../features/overview/OverviewPage';
import { SourcesPage } from '../features/sources/SourcesPage';
import { PipelinesPage } from '../features/pipelines/PipelinesPage';
import { RunsPage } from '../features/runs/RunsPage';
import { EntitiesPage } from '../features/entities/EntitiesPage';
import { DataPage } from '../features/data/DataPage';
import { ReviewPage } from '../features/review/ReviewPage';
import { SettingsPage } from '../features/settings/SettingsPage';
import { AcceptInvitationPage } from '../features/settings/AcceptInvitationPage';
import { ConnectPage } from '../features/connect/ConnectPage';
import { LiveEventsProvider } from '../features/live/LiveEventsProvider';
import { demoStateParam } from '../features/graph/useDclState';
import { NotFound } from './NotFound';

function Console() {
  return (
    <RequireAuth>
      <LiveEventsProvider enabled={!demoStateParam()}>
        <AppLayout />
      </LiveEventsProvider>
    </RequireAuth>
  );
}

export const routes = [
  { path: '/login', element: <LoginPage /> },
  { path: '/register', element: <RegisterPage /> },
  { path: '/invite/:token', element: <AcceptInvitationPage /> },
  {
    path: '/',
    element: <Console />,
    children: [
      { index: true, element: <OverviewPage /> },
      { path: 'connect', element: <ConnectPage /> },
      { path: 'sources', element: <SourcesPage /> },
      { path: 'pipelines', element: <PipelinesPage /> },
      { path: 'runs', element: <RunsPage /> },
      { path: 'entities', element: <EntitiesPage /> },
      { path: 'data', element: <DataPage /> },
      { path: 'review', element: <ReviewPage /> },
      { path: 'settings', element: <SettingsPage /> },
      { path: '*', element: <NotFound /> },
    ],
  },
];

const router = createBrowserRouter(routes);

export function App() {
  return <RouterProvider router={router} />;
}
