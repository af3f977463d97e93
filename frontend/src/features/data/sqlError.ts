/**
 * Where a query went wrong, from DuckDB's excerpt in the /dcl/query problem detail:
 *
 *     Binder Error: Referenced column "nope" not found in FROM clause!
 *     LINE 1: SELECT nope FROM t
 *                    ^
 *
 * The caret sits under the error's character of line N. A long line is shown as a window that
 * starts with "..."; the window is found in the query's line to place the caret there. The server
 * runs the statement trimmed (a parse error quotes the query as sent), so both are tried.
 */
export interface SqlErrorPosition {
  line: number; // 1-based
  column: number; // 1-based
  offset: number; // 0-based index into the SQL as typed
}

const EXCERPT = /^LINE (\d+): (.*)$/;

export function sqlErrorPosition(message: string, sql: string): SqlErrorPosition | null {
  const lines = message.split('\n');
  for (let i = 0; i < lines.length - 1; i++) {
    const m = EXCERPT.exec(lines[i]);
    if (!m || lines[i + 1].trim() !== '^') continue;
    const line = Number(m[1]);
    const caret = lines[i + 1].indexOf('^') - (m[0].length - m[2].length);
    const lead = sql.length - sql.trimStart().length;
    const bases = message.startsWith('syntax error') ? [0, lead] : [lead, 0];
    for (const base of bases) {
      const found = place(sql.slice(base), line, m[2], caret);
      if (found) return { line: found.line + lineOf(sql, base) - 1, column: found.column, offset: base + found.offset };
    }
    return null;
  }
  return null;
}

function lineOf(sql: string, index: number): number {
  return sql.slice(0, index).split('\n').length;
}

function place(sql: string, line: number, excerpt: string, caret: number): { line: number; column: number; offset: number } | null {
  const src = sql.split('\n');
  const text = src[line - 1];
  if (text === undefined || caret < 0) return null;
  let column = caret;
  if (excerpt.startsWith('...')) {
    const core = excerpt.slice(3).replace(/\.\.\.$/, '');
    const at = text.indexOf(core);
    if (at < 0) return null;
    column = at + caret - 3;
  } else if (!text.startsWith(excerpt.replace(/\.\.\.$/, ''))) {
    return null;
  }
  column = Math.max(0, Math.min(column, text.length));
  const before = src.slice(0, line - 1).reduce((n, l) => n + l.length + 1, 0);
  return { line, column: column + 1, offset: before + column };
}
