// Reads `aws secretsmanager get-secret-value --output json` on stdin and prints systemd
// EnvironmentFile lines. Arguments: NAME (the whole SecretString) or NAME=field (a field of a JSON
// SecretString). Values are double-quoted with systemd's escapes; a value with a newline or NUL
// cannot be expressed and fails loudly rather than being cut.
'use strict';
const response = JSON.parse(require('node:fs').readFileSync(0, 'utf8'));
const secret = response.SecretString;
if (typeof secret !== 'string') {
  console.error(`secret ${response.ARN}: no SecretString (binary secrets are not supported)`);
  process.exit(1);
}
for (const spec of process.argv.slice(2)) {
  const [name, field] = spec.split('=');
  const value = field ? JSON.parse(secret)[field] : secret;
  if (typeof value !== 'string' || value === '' || /[\n\r\0]/.test(value)) {
    console.error(`secret ${response.ARN}${field ? ` field ${field}` : ''}: missing, empty or multi-line`);
    process.exit(1);
  }
  process.stdout.write(`${name}="${value.replace(/[\\"`$]/g, (c) => `\\${c}`)}"\n`);
}
