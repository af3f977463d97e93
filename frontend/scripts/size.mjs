#!/usr/bin/env node
// Gzipped size of what the browser loads first (scripts and modulepreloads named in the built
// index.html); fails above the 300 KB budget for initial JavaScript. Lists lazy chunks too.
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

const BUDGET_KB = 300;
const dir = process.env.CONSOLE_OUT_DIR ?? fileURLToPath(new URL('../../autonomos/server/static', import.meta.url));
const indexFile = join(dir, 'index.html');
if (!existsSync(indexFile)) {
  console.error(`size: ${indexFile} is missing; run npm run build first`);
  process.exit(1);
}
const html = readFileSync(indexFile, 'utf8');
const initial = new Set(
  [...html.matchAll(/(?:src|href)="\/?(assets\/[^"]+\.(?:js|css))"/g)].map((m) => m[1]),
);
const kb = (n) => (n / 1024).toFixed(1);
const gz = (f) => gzipSync(readFileSync(join(dir, f)), { level: 9 }).length;
let jsTotal = 0;
console.log('initial (loaded by index.html):');
for (const f of [...initial].sort()) {
  const size = gz(f);
  if (f.endsWith('.js')) jsTotal += size;
  console.log(`  ${f.padEnd(48)} ${kb(size).padStart(8)} KB gz`);
}
console.log('lazy chunks:');
for (const f of readdirSync(join(dir, 'assets')).sort()) {
  const rel = `assets/${f}`;
  if (initial.has(rel) || !/\.(js|css)$/.test(f)) continue;
  console.log(`  ${rel.padEnd(48)} ${kb(gz(rel)).padStart(8)} KB gz`);
}
console.log(`initial JavaScript: ${kb(jsTotal)} KB gzipped (budget ${BUDGET_KB} KB)`);
if (jsTotal > BUDGET_KB * 1024) {
  console.error(`size: initial JavaScript ${kb(jsTotal)} KB gz exceeds the ${BUDGET_KB} KB budget`);
  process.exit(1);
}
