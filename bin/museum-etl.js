#!/usr/bin/env node
'use strict';
const path = require('node:path');
const fs = require('node:fs');

const entry = path.join(__dirname, '..', 'dist', 'cli', 'main.js');
if (!fs.existsSync(entry)) {
  console.error(
    'museum-etl is not built yet: run `npm ci` (or `npm run build`) in ' + path.dirname(__dirname),
  );
  process.exit(70);
}
require(entry);
