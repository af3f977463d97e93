/**
 * The YAML editor (lazy chunk: CodeMirror loads only on the Pipelines page). Validation errors
 * show inline at their line and column, with a gutter marker.
 */
import { useEffect, useRef } from 'react';
import { basicSetup } from 'codemirror';
import { EditorView } from '@codemirror/view';
import { EditorState } from '@codemirror/state';
import { yaml } from '@codemirror/lang-yaml';
import { lintGutter, setDiagnostics, type Diagnostic } from '@codemirror/lint';

export interface EditorError {
  line?: number | null;
  column?: number | null;
  message: string;
  field?: string;
}

/** Line/column (1-based) → a diagnostic range: the rest of the line from the column. */
export function toDiagnostics(state: EditorState, errors: EditorError[]): Diagnostic[] {
  return errors.map((e) => {
    const lineNo = Math.min(Math.max(1, e.line ?? 1), state.doc.lines);
    const line = state.doc.line(lineNo);
    const from = Math.min(line.to, line.from + Math.max(0, (e.column ?? 1) - 1));
    const to = Math.max(from, line.to);
    return { from, to: to === from ? Math.min(state.doc.length, from + 1) : to, severity: 'error', message: e.field ? `${e.field}: ${e.message}` : e.message };
  });
}

export default function YamlEditor({ value, onChange, errors, label }: { value: string; onChange: (v: string) => void; errors: EditorError[]; label: string }) {
  const host = useRef<HTMLDivElement | null>(null);
  const view = useRef<EditorView | null>(null);
  const changed = useRef(onChange);
  changed.current = onChange;

  useEffect(() => {
    const v = new EditorView({
      parent: host.current!,
      state: EditorState.create({
        doc: value,
        extensions: [
          basicSetup,
          yaml(),
          lintGutter(),
          EditorView.contentAttributes.of({ 'aria-label': label }),
          EditorView.updateListener.of((u) => u.docChanged && changed.current(u.state.doc.toString())),
          EditorView.theme({ '&': { minHeight: '360px', fontSize: '14px' }, '.cm-scroller': { fontFamily: 'ui-monospace, monospace' } }),
        ],
      }),
    });
    view.current = v;
    return () => v.destroy();
    // created once; later `value`s from outside are pushed below
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  useEffect(() => {
    const v = view.current;
    if (v && v.state.doc.toString() !== value) v.dispatch({ changes: { from: 0, to: v.state.doc.length, insert: value } });
  }, [value]);

  useEffect(() => {
    const v = view.current;
    if (v) v.dispatch(setDiagnostics(v.state, toDiagnostics(v.state, errors)));
  }, [errors, value]);

  return <div ref={host} className="yaml-editor" data-testid="yaml-editor" style={{ border: '1px solid var(--mantine-color-default-border)', borderRadius: 8, overflow: 'hidden' }} />;
}
