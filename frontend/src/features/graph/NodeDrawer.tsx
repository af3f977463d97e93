import { Anchor, Badge, Drawer, Group, Stack, Table, Text, Title } from '@mantine/core';
import { Link, useInRouterContext } from 'react-router';
import type { DclNode, DclState } from '../../api/types';
import { asArrays, RowsGrid } from '../data/RowsGrid';
import { useTableRows } from '../data/useData';
import { problemMessage } from '../auth/problemMessage';
import { demoStateParam } from './useDclState';
import { SourceIcon } from './SourceIcon';
import { confidenceTextColor } from './edgeStyle';
import { agentSummary } from './format';

/** Details of one node: its kind's counts, canonical fields or reads, and its connections. */
export function NodeDrawer({ state, nodeId, onClose }: { state: DclState; nodeId: string | null; onClose: () => void }) {
  const node = nodeId ? state.graph.nodes.find((n) => n.id === nodeId) : undefined;
  const incoming = node ? state.graph.edges.filter((e) => e.target === node.id) : [];
  const outgoing = node ? state.graph.edges.filter((e) => e.source === node.id) : [];
  const label = (id: string) => state.graph.nodes.find((n) => n.id === id)?.label ?? id;
  const status = node && (node.kind === 'source' || node.kind === 'agent') ? node.status : null;
  const summary = node?.kind === 'agent' ? agentSummary(node) : null;
  return (
    <Drawer opened={!!node} onClose={onClose} position="right" size="md" title={node ? `${node.kind}: ${node.label}` : ''} closeButtonProps={{ 'aria-label': 'Close details' }}>
      {node && (
        <Stack gap="md" data-testid="node-drawer">
          <Group gap="xs">
            {node.kind === 'source' && <SourceIcon icon={node.icon} size={28} />}
            <Badge variant="light">layer {node.layer}</Badge>
            {status && <Badge color={status === 'ok' ? 'green' : 'red'}>{status}</Badge>}
            {node.kind === 'source' && node.connector && <Badge variant="outline">{node.connector} connector</Badge>}
          </Group>
          <Table withRowBorders={false} verticalSpacing={4}>
            <Table.Tbody>
              {(node.kind === 'table' || node.kind === 'entity') && <Row k="Rows" v={node.rows.toLocaleString('en')} />}
              {node.kind === 'table' && (
                <>
                  <Row k="Rejected rows" v={String(node.rejected)} />
                  <Row k="Fields" v={String(node.fields)} />
                  <Row k="Maps to" v={node.entity ?? 'no entity yet'} />
                  <Row k="To review" v={String(node.review)} />
                  {node.source && <Row k="Source" v={node.source} />}
                </>
              )}
            </Table.Tbody>
          </Table>
          {summary && <Text size="sm">{summary}</Text>}
          {(node.kind === 'table' || node.kind === 'entity') && <Sample node={node} />}
          {node.kind === 'entity' && (
            <div>
              <Title order={5}>Canonical fields</Title>
              <Group gap={6} mt={6}>{node.fields.map((f) => <Badge key={f} variant="light" radius="xl">{f}</Badge>)}</Group>
            </div>
          )}
          {node.kind === 'agent' && (
            <div>
              <Title order={5}>Reads</Title>
              <Group gap={6} mt={6}>{node.consumes.map((f) => <Badge key={f} radius="xl">{f}</Badge>)}</Group>
            </div>
          )}
          {(incoming.length > 0 || outgoing.length > 0) && (
            <div>
              <Title order={5}>Connections</Title>
              <Table>
                <Table.Tbody>
                  {[...incoming.map((e) => ({ e, other: e.source, dir: '←' })), ...outgoing.map((e) => ({ e, other: e.target, dir: '→' }))].map(({ e, other, dir }) => (
                    <Table.Tr key={e.id}>
                      <Table.Td>{dir} {label(other)}</Table.Td>
                      <Table.Td>{e.type}</Table.Td>
                      <Table.Td>{e.rows != null ? `${e.rows.toLocaleString('en')} rows` : ''}</Table.Td>
                      <Table.Td style={{ color: confidenceTextColor(e.confidence) }}>
                        {e.mapped_fields != null ? `${e.mapped_fields} fields` : ''}{e.confidence != null ? ` · ${e.confidence.toFixed(2)}` : ''}
                      </Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </div>
          )}
        </Stack>
      )}
    </Drawer>
  );
}

const SAMPLE_ROWS = 5;

/** Where a table or entity node's rows are read: `src_<source>.<table>` or `unified.<entity>`. */
export function nodeRelation(node: DclNode): { schema: string; name: string } | null {
  if (node.kind === 'table') return { schema: `src_${node.source}`, name: node.label };
  if (node.kind === 'entity') return { schema: 'unified', name: node.label };
  return null;
}

/** A table's or view's columns with their types and its first rows (none in the demo preview). */
function Sample({ node }: { node: DclNode }) {
  const at = nodeRelation(node);
  const preview = !!demoStateParam();
  const rows = useTableRows(at?.schema ?? null, at?.name ?? null, 0, SAMPLE_ROWS, !preview);
  const routed = useInRouterContext(); // the graph is also drawn outside the console's router (tests)
  if (!at || preview) return null;
  const href = `/data?${new URLSearchParams({ table: `${at.schema}.${at.name}` })}`;
  return (
    <div data-testid="node-sample">
      <Group justify="space-between" gap="xs">
        <Title order={5}>Columns</Title>
        {routed ? <Anchor component={Link} to={href} size="sm">Open in Data</Anchor> : <Anchor href={href} size="sm">Open in Data</Anchor>}
      </Group>
      {rows.isError && <Text size="sm" c="red">{problemMessage(rows.error)}</Text>}
      {rows.data && (
        <>
          <Table withRowBorders={false} verticalSpacing={2} fz="sm" data-testid="node-columns">
            <Table.Tbody>
              {rows.data.columns.map((c, i) => (
                <Table.Tr key={c}>
                  <Table.Td style={{ overflowWrap: 'anywhere' }}>{c}</Table.Td>
                  <Table.Td><Text span ff="monospace" fz="xs" c="dimmed">{rows.data.types[i]}</Text></Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
          <Title order={5} mt="sm" mb={4}>Sample rows</Title>
          {rows.data.rows.length === 0 ? <Text size="sm" c="dimmed">no rows</Text> : (
            <RowsGrid columns={rows.data.columns} rows={asArrays(rows.data.columns, rows.data.rows)} label="Sample rows" testId="node-rows" />
          )}
        </>
      )}
    </div>
  );
}

function Row({ k, v }: { k: string; v: string }) {
  return (
    <Table.Tr>
      <Table.Td c="dimmed" w={140}>{k}</Table.Td>
      <Table.Td>{v}</Table.Td>
    </Table.Tr>
  );
}
