import { EditorState } from '@codemirror/state';
import { toDiagnostics } from './YamlEditor';

describe('YAML errors → editor diagnostics', () => {
  const state = EditorState.create({ doc: 'sources:\n  - name: a\n    connector: nope\n' });

  it('puts an error at its line and column, to the end of the line', () => {
    const [d] = toDiagnostics(state, [{ line: 3, column: 16, message: "unknown connector 'nope'", field: 'sources[0].connector' }]);
    expect(state.doc.sliceString(d.from, d.to)).toBe('nope');
    expect(d.message).toBe("sources[0].connector: unknown connector 'nope'");
    expect(d.severity).toBe('error');
  });

  it('clamps lines outside the document and errors without a line to line 1', () => {
    const [a, b] = toDiagnostics(state, [{ line: 99, message: 'x' }, { line: null, message: 'y' }]);
    expect(state.doc.lineAt(a.from).number).toBe(state.doc.lines);
    expect(state.doc.lineAt(b.from).number).toBe(1);
  });
});
