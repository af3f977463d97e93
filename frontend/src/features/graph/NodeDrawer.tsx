import { Badge, Drawer, Group, Stack, Table, Text, Title } from '@mantine/core';
import type { DclState } from '../../api/types';
import { SourceIcon } from './SourceIcon';
import { confidenceTextColor } from './edgeStyle';

/**
 * Details of one node: counts, schema, samples and mappings. Uses what /dcl/state carries
 * (and `schema`/`samples`/`mappings` when the server adds them to the node).
 */
export function NodeDrawer({ state, nodeId, onClose }: { state: DclState; nodeId: string | null; onClose: () => void }) {
  const node = nodeId ? state.graph.nodes.find((n) => n.id === nodeId) : undefined;
  const incoming = node ? state.graph.edges.filter((e) => e.target === node.id) : [];
  const outgoing = node ? state.graph.edges.filter((e) => e.source === node.id) : [];
  const label = (id: string) => state.graph.nodes.find((n) => n.id === id)?.label ?? id;
  return (
    <Drawer opened={!!node} onClose={onClose} position="right" size="md" title={node ? `${node.kind}: ${node.label}` : ''} closeButtonProps={{ 'aria-label': 'Close details' }}>
      {node && (
        <Stack gap="md" data-testid="node-drawer">
          <Group gap="xs">
            {node.kind === 'source' && <SourceIcon icon={node.icon ?? node.connector} size={28} />}
            <Badge variant="light">layer {node.layer}</Badge>
            {node.status && <Badge color={node.status === 'ok' ? 'green' : 'red'}>{node.status}</Badge>}
            {node.connector && <Badge variant="outline">{node.connector} connector</Badge>}
          </Group>
          <Table withRowBorders={false} verticalSpacing={4}>
            <Table.Tbody>
              {typeof node.rows === 'number' && <Row k="Rows" v={node.rows.toLocaleString('en')} />}
              {typeof node.rejected === 'number' && <Row k="Rejected rows" v={String(node.rejected)} />}
              {typeof node.fields === 'number' && <Row k="Fields" v={String(node.fields)} />}
              {node.kind === 'table' && <Row k="Maps to" v={node.entity ?? 'no entity yet'} />}
              {typeof node.review === 'number' && <Row k="To review" v={String(node.review)} />}
              {node.source && <Row k="Source" v={node.source} />}
            </Table.Tbody>
          </Table>
          {node.summary && <Text size="sm">{node.summary}</Text>}
          {Array.isArray(node.fields) && (
            <div>
              <Title order={5}>Canonical fields</Title>
              <Group gap={6} mt={6}>{node.fields.map((f) => <Badge key={f} variant="light" radius="xl">{f}</Badge>)}</Group>
            </div>
          )}
          {node.consumes && (
            <div>
              <Title order={5}>Reads</Title>
              <Group gap={6} mt={6}>{node.consumes.map((f) => <Badge key={f} radius="xl">{f}</Badge>)}</Group>
            </div>
          )}
          {node.schema && (
            <div>
              <Title order={5}>Schema</Title>
              <Table striped>
                <Table.Tbody>{node.schema.map((f) => <Row key={f.name} k={f.name} v={f.type} />)}</Table.Tbody>
              </Table>
            </div>
          )}
          {node.mappings && (
            <div>
              <Title order={5}>Field mappings</Title>
              <Table>
                <Table.Tbody>
                  {node.mappings.map((m) => (
                    <Table.Tr key={m.field}>
                      <Table.Td>{m.field}</Table.Td>
                      <Table.Td>{m.canonical ?? '—'}</Table.Td>
                      <Table.Td style={{ color: confidenceTextColor(m.confidence) }}>{m.confidence.toFixed(2)}</Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </div>
          )}
          {node.samples && node.samples.length > 0 && (
            <div>
              <Title order={5}>Samples</Title>
              <pre className="dcl-samples">{JSON.stringify(node.samples.slice(0, 5), null, 2)}</pre>
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

function Row({ k, v }: { k: string; v: string }) {
  return (
    <Table.Tr>
      <Table.Td c="dimmed" w={140}>{k}</Table.Td>
      <Table.Td>{v}</Table.Td>
    </Table.Tr>
  );
}
