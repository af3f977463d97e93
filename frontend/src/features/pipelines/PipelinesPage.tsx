import { Alert, Badge, Button, Center, Grid, Group, Loader, NavLink, Paper, Stack, Text, TextInput, Title } from '@mantine/core';
import { lazy, Suspense, useEffect, useState } from 'react';
import { Link } from 'react-router';
import { usePipelines, useRunPipeline, useSavePipeline, validatePipeline, type SpecError } from './usePipelines';
import { ScheduleEditor } from './ScheduleEditor';
import { useSchedules } from './useSchedules';
import { ApiError } from '../../api/problem';
import { problemMessage } from '../auth/problemMessage';

const YamlEditor = lazy(() => import('./YamlEditor'));

const TEMPLATE = `# A pipeline: the sources to connect and the agents to run.
sources:
  - {name: salesforce, connector: demo, config: {system: salesforce}}
  - {name: hubspot, connector: demo, config: {system: hubspot}}
agents: [revops]
`;

/** Stored pipelines and a YAML editor that validates as you type, errors at their line. */
export function PipelinesPage() {
  const list = usePipelines();
  const save = useSavePipeline();
  const run = useRunPipeline();
  const schedules = useSchedules();
  const scheduleOf = (id: string) => schedules.data?.items.find((s) => s.pipeline_id === id);
  const [name, setName] = useState('my-pipeline');
  const [text, setText] = useState(TEMPLATE);
  const [errors, setErrors] = useState<SpecError[]>([]);
  const [valid, setValid] = useState<boolean | null>(null);
  const [savedId, setSavedId] = useState<string | null>(null);

  // validate 400 ms after the last keystroke; a newer edit aborts the older request
  useEffect(() => {
    const ctl = new AbortController();
    const t = setTimeout(() => {
      validatePipeline(name || 'pipeline.yaml', text, ctl.signal)
        .then((r) => {
          setValid(r.valid);
          setErrors(r.errors ?? []);
        })
        .catch((e) => {
          if (ctl.signal.aborted) return;
          setValid(false);
          setErrors([{ field: '', message: problemMessage(e), line: null, column: null }]);
        });
    }, 400);
    return () => {
      clearTimeout(t);
      ctl.abort();
    };
  }, [name, text]);

  const onSave = () =>
    save.mutate({ name, yaml: text }, {
      onSuccess: (p) => setSavedId(p.id),
      onError: (e) => {
        const errs = e instanceof ApiError ? (e.problem.errors as SpecError[] | undefined) : undefined;
        if (errs?.length) setErrors(errs);
      },
    });

  return (
    <Stack gap="md">
      <Title order={2}>Pipelines</Title>
      <Grid gap="md">
        <Grid.Col span={{ base: 12, md: 3 }}>
          <Paper withBorder radius="md" p="xs" component="nav" aria-label="Stored pipelines">
            <NavLink label="New pipeline" onClick={() => { setName('my-pipeline'); setText(TEMPLATE); setSavedId(null); }} style={{ minHeight: 44 }} />
            {(list.data?.items ?? []).map((p) => (
              <NavLink key={p.id} label={p.name} active={savedId === p.id} style={{ minHeight: 44 }}
                description={(() => { const s = scheduleOf(p.id); return s ? `${s.paused ? 'paused · ' : ''}${s.cron} ${s.timezone}` : undefined; })()}
                onClick={() => { setName(p.name); setText(p.yaml); setSavedId(p.id); }} />
            ))}
            {list.isError && <Text size="sm" c="red">{problemMessage(list.error)}</Text>}
          </Paper>
        </Grid.Col>
        <Grid.Col span={{ base: 12, md: 9 }}>
          <Stack gap="sm">
            <Group align="flex-end" gap="sm">
              <TextInput label="Name" value={name} onChange={(e) => setName(e.currentTarget.value)} size="md" w={260} />
              {valid === true && <Badge color="green" size="lg">valid</Badge>}
              {valid === false && <Badge color="red" size="lg">{errors.length} error{errors.length === 1 ? '' : 's'}</Badge>}
              <Button mih={44} onClick={onSave} loading={save.isPending} disabled={valid === false}>Save</Button>
              <Button mih={44} variant="light" disabled={!savedId} loading={run.isPending} onClick={() => savedId && run.mutate(savedId)}>Run</Button>
            </Group>
            <Suspense fallback={<Center h={360}><Loader aria-label="Loading the editor" /></Center>}>
              <YamlEditor value={text} onChange={setText} errors={errors} label="Pipeline YAML" />
            </Suspense>
            {errors.length > 0 && (
              <Stack gap={4} role="list" aria-label="Validation errors" data-testid="yaml-errors">
                {errors.map((e, i) => (
                  <Text key={i} size="sm" c="red" role="listitem">
                    {e.line ? `line ${e.line}${e.column ? `:${e.column}` : ''} — ` : ''}{e.field ? `${e.field}: ` : ''}{e.message}
                  </Text>
                ))}
              </Stack>
            )}
            {save.isError && !errors.length && <Alert color="red">{problemMessage(save.error)}</Alert>}
            {run.data && <Alert color="blue">Run queued as task {run.data.id.slice(0, 8)}… — follow it on <Link to="/runs">Runs</Link>.</Alert>}
            {run.isError && <Alert color="red">{problemMessage(run.error)}</Alert>}
            {savedId && <ScheduleEditor key={savedId} pipelineId={savedId} />}
          </Stack>
        </Grid.Col>
      </Grid>
    </Stack>
  );
}
