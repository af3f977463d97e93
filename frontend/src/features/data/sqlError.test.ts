import { describe, expect, it } from 'vitest';
import { sqlErrorPosition } from './sqlError';

// messages as /dcl/query answers them (DuckDB 1.x excerpts)
describe('sqlErrorPosition', () => {
  it('places a binder error on its column', () => {
    const sql = 'SELECT nope FROM src_crm.customers';
    const msg = 'Binder Error: Referenced column "nope" not found in FROM clause!\nLINE 1: SELECT nope FROM src_crm.customers\n               ^';
    expect(sqlErrorPosition(msg, sql)).toEqual({ line: 1, column: 8, offset: 7 });
  });

  it('counts lines, and the leading blank lines the server trims off before running', () => {
    const sql = '\n\nSELECT 1,\n 2 FROM\n nope';
    const msg = 'Catalog Error: Table with name nope does not exist!\nLINE 3:  nope\n         ^';
    const at = sqlErrorPosition(msg, sql)!;
    expect(at).toEqual({ line: 5, column: 2, offset: sql.indexOf('nope') });
  });

  it('finds a long line shown as a window starting with "..."', () => {
    const sql = 'SELECT ' + Array.from({ length: 60 }, (_, i) => `col${i}`).join(', ') + ' FORM t';
    const excerpt = 'LINE 1: ..., col58, col59 FORM t';
    const msg = `syntax error: Parser Error: syntax error at or near "t"\n${excerpt}\n${' '.repeat(excerpt.length - 1)}^`;
    expect(sqlErrorPosition(msg, sql)).toEqual({ line: 1, column: sql.length, offset: sql.length - 1 });
  });

  it('is null without an excerpt, or when the excerpt is not in the query', () => {
    expect(sqlErrorPosition('only SELECT queries are allowed (read-only); this is a COPY statement', 'COPY x TO y')).toBeNull();
    expect(sqlErrorPosition('Binder Error: x\nLINE 1: SELECT b\n        ^', 'SELECT a')).toBeNull();
  });
});
