/**
 * The organization's files folder (contract item 3): list and upload. A `files` source's
 * `config.path` is the `path` of an uploaded file.
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, unwrap, type Schemas } from '../../api/client';

export type StoredFile = Schemas['FileOut'];

export function useFiles(enabled = true) {
  return useQuery({ queryKey: ['files'], enabled, queryFn: () => unwrap(api.GET('/api/v1/files')) });
}

/** POST /api/v1/files (multipart, field `file`); `overwrite` replaces a file of the same name. */
export function uploadFile(file: File, overwrite = false): Promise<StoredFile> {
  return unwrap(api.POST('/api/v1/files', {
    params: { query: overwrite ? { overwrite: true } : {} },
    body: { file: file.name },
    bodySerializer: () => {
      const form = new FormData();
      form.append('file', file, file.name);
      return form;
    },
  }));
}

export function useUploadFile() {
  const qc = useQueryClient();
  return useMutation({
    mutationFn: ({ file, overwrite }: { file: File; overwrite?: boolean }) => uploadFile(file, overwrite),
    onSuccess: () => qc.invalidateQueries({ queryKey: ['files'] }),
  });
}

/** 1536 → "1.5 KB". */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v >= 10 ? v.toFixed(0) : v.toFixed(1)} ${units[i]}`;
}
