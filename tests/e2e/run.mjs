// Runs the browser tests with node's test runner and ends with one line:
// "N passed, M failed". Exit status 0 only when every test passed.
import path from 'node:path';
import { run } from 'node:test';
import { spec } from 'node:test/reporters';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
let passed = 0;
let failed = 0;

const stream = run({ files: [path.join(here, 'e2e.test.mjs')], concurrency: 1 });
stream.on('test:pass', (t) => {
  if (t.nesting === 0 && !t.skip) passed += 1;
});
stream.on('test:fail', (t) => {
  if (t.nesting === 0) failed += 1;
});
stream.compose(spec).pipe(process.stdout);
stream.on('end', () => {
  // After the reporter's own summary.
  setImmediate(() => {
    process.stdout.write(`${passed} passed, ${failed} failed\n`);
    process.exitCode = failed || !passed ? 1 : 0;
  });
});
