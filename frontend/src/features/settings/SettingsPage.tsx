import { Stack, Tabs, Title } from '@mantine/core';
import { useSearchParams } from 'react-router';
import { ApiKeysPanel } from './ApiKeysPanel';
import { InvitationsPanel } from './InvitationsPanel';
import { LlmPanel } from './LlmPanel';
import { MembersPanel } from './MembersPanel';
import { WebhooksPanel } from './WebhooksPanel';
import classes from './settings.module.css';

const TABS = [
  { value: 'members', label: 'Members' },
  { value: 'keys', label: 'API keys' },
  { value: 'webhooks', label: 'Webhooks' },
  { value: 'llm', label: 'LLM' },
] as const;
type Tab = (typeof TABS)[number]['value'];

/** Members and invitations, API keys, webhooks, the LLM; the open tab lives in ?tab= so it can be linked. */
export function SettingsPage() {
  const [params, setParams] = useSearchParams();
  const asked = params.get('tab');
  const tab: Tab = TABS.some((t) => t.value === asked) ? (asked as Tab) : 'members';
  return (
    <Stack gap="md" className={classes.page}>
      <Title order={2}>Settings</Title>
      <Tabs value={tab} onChange={(v) => v && setParams({ tab: v }, { replace: true })} keepMounted={false}>
        <Tabs.List className={classes.list} aria-label="Settings sections">
          {TABS.map((t) => <Tabs.Tab key={t.value} value={t.value} className={classes.tab}>{t.label}</Tabs.Tab>)}
        </Tabs.List>
        <Tabs.Panel value="members" pt="md"><Stack gap="md"><MembersPanel /><InvitationsPanel /></Stack></Tabs.Panel>
        <Tabs.Panel value="keys" pt="md"><ApiKeysPanel /></Tabs.Panel>
        <Tabs.Panel value="webhooks" pt="md"><WebhooksPanel /></Tabs.Panel>
        <Tabs.Panel value="llm" pt="md"><LlmPanel /></Tabs.Panel>
      </Tabs>
    </Stack>
  );
}
