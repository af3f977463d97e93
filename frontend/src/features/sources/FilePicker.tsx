/**
 * For `files` sources: upload a file to the organization's files folder, or choose one already
 * uploaded; either way the file's `path` goes into the source's `config.path`. A name that
 * exists asks before replacing it.
 */
import { Alert, Button, FileButton, Group, NativeSelect, Stack, Text } from '@mantine/core';
import { IconUpload } from '@tabler/icons-react';
import { useState } from 'react';
import { ApiError } from '../../api/problem';
import { problemMessage } from '../auth/problemMessage';
import { formatBytes, useFiles, useUploadFile, type StoredFile } from './useFiles';
import { INPUT } from './SchemaForm';

export function FilePicker({ value, onPick }: { value: string; onPick: (f: StoredFile) => void }) {
  const files = useFiles();
  const upload = useUploadFile();
  const [conflict, setConflict] = useState<File | null>(null);
  const [done, setDone] = useState<StoredFile | null>(null);

  const send = (file: File | null, overwrite = false) => {
    if (!file) return;
    setConflict(null);
    setDone(null);
    upload.mutate({ file, overwrite }, {
      onSuccess: (f) => {
        setDone(f);
        onPick(f);
      },
      onError: (e) => {
        if (e instanceof ApiError && e.status === 409) setConflict(file);
      },
    });
  };
  const items = files.data?.items ?? [];
  const existing = conflict ? items.find((f) => f.name === conflict.name) : undefined;

  return (
    <Stack gap={6} mt={6} data-testid="file-picker">
      <Group gap="sm" align="flex-end" wrap="wrap">
        <FileButton onChange={(f) => send(f)} inputProps={{ 'aria-label': 'File to upload' }}>
          {(props) => (
            <Button {...props} variant="light" mih={44} leftSection={<IconUpload size={18} aria-hidden />} loading={upload.isPending}>
              Upload a file
            </Button>
          )}
        </FileButton>
        <NativeSelect {...INPUT} label="Or choose an uploaded file" style={{ flex: '1 1 220px' }}
          value={items.some((f) => f.path === value) ? value : ''}
          disabled={!items.length}
          data={[
            { value: '', label: files.isLoading ? 'Loading…' : items.length ? 'Choose…' : 'No files uploaded yet' },
            ...items.map((f) => ({ value: f.path, label: `${f.name} (${formatBytes(f.size)})` })),
          ]}
          onChange={(e) => {
            const f = items.find((x) => x.path === e.currentTarget.value);
            if (f) onPick(f);
          }} />
      </Group>
      <div aria-live="polite">
        {done && <Text size="sm" c="green.8">Uploaded {done.name} ({formatBytes(done.size)}).</Text>}
      </div>
      {conflict && (
        <Alert color="yellow" title={`A file named ${conflict.name} is already uploaded`}>
          <Group gap="sm" mt={4}>
            <Button mih={44} size="sm" color="yellow" onClick={() => send(conflict, true)}>Replace it</Button>
            {existing && <Button mih={44} size="sm" variant="default" onClick={() => { onPick(existing); setConflict(null); }}>Use the uploaded one</Button>}
          </Group>
        </Alert>
      )}
      {upload.isError && !conflict && <Text size="sm" c="red.8" role="alert">Upload failed: {problemMessage(upload.error)}</Text>}
      {files.isError && <Text size="sm" c="dimmed">Uploaded files unavailable: {problemMessage(files.error)}</Text>}
    </Stack>
  );
}
