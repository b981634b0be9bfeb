#!/usr/bin/env node
'use strict';
// Runs every vitest project (unit, integration against the real stack, e2e) and ends with
// one plain summary line, "Tests: N passed, N failed", that CI and people can read.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const report = path.join(os.tmpdir(), `museum-etl-vitest-${process.pid}.json`);
const args = [
  'vitest',
  'run',
  '--reporter=default',
  '--reporter=json',
  `--outputFile.json=${report}`,
  ...process.argv.slice(2),
];
const result = spawnSync('npx', args, {
  stdio: 'inherit',
  env: { ...process.env, FORCE_COLOR: process.env.CI ? '0' : '1' },
});

let passed = 0;
let failed = 0;
let skipped = 0;
try {
  const json = JSON.parse(fs.readFileSync(report, 'utf8'));
  passed = json.numPassedTests;
  failed = json.numFailedTests;
  skipped = json.numPendingTests + (json.numTodoTests || 0);
  if (!json.success && failed === 0) failed = 1; // a suite failed to load or a hook threw
  fs.rmSync(report, { force: true });
} catch {
  failed = Math.max(failed, 1);
}
console.log(`\nTests: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(result.status === 0 && failed === 0 ? 0 : result.status || 1);
