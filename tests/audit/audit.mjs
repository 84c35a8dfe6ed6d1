// Runs the GraphQL-over-HTTP audit suite of the npm package `graphql-http`
// (its `auditServer`) against a running civgraph, prints every audit's id,
// name, status and message, and a summary line `N passed, M failed`, where
// `failed` counts the MUST audits that error (the exit code is 1 then).
//
//   node audit.mjs [URL]     (default: $CIVGRAPH_URL or http://127.0.0.1:8000/graphql)
import { auditServer } from 'graphql-http';

const url =
  process.argv[2] ?? process.env.CIVGRAPH_URL ?? 'http://127.0.0.1:8000/graphql';

const results = await auditServer({ url });

const level = (name) => name.split(' ', 1)[0]; // MUST, SHOULD or MAY
const tally = {};
for (const r of results) {
  const t = (tally[level(r.name)] ??= { ok: 0, total: 0 });
  t.total += 1;
  if (r.status === 'ok') t.ok += 1;
  let line = `${r.id}  ${r.status.padEnd(6)}  ${r.name}`;
  if (r.status !== 'ok') {
    let body = '';
    try {
      body = await r.response.text();
    } catch {
      // the body was read already, or there was none
    }
    line += `\n        ${r.reason}`;
    if (r.response) {
      line += `\n        got ${r.response.status} ${r.response.headers.get('content-type') ?? '(no content-type)'}`;
      if (body) line += ` ${body.slice(0, 300)}`;
    }
  }
  console.log(line);
}

console.log('');
for (const [name, t] of Object.entries(tally)) {
  console.log(`${name}: ${t.ok}/${t.total} ok`);
}
const passed = results.filter((r) => r.status === 'ok').length;
const failed = results.filter((r) => level(r.name) === 'MUST' && r.status === 'error').length;
console.log(`audit: ${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
