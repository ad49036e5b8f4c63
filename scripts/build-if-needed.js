#!/usr/bin/env node
// Builds dist/ when it is missing or older than any source file, so that `npm start` works on a fresh clone.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { execFileSync } = require('node:child_process');

const root = path.resolve(__dirname, '..');
const marker = path.join(root, 'dist', 'src', 'main.js');

function newestMtime(dir) {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(full));
    else if (/\.(ts|js|json)$/.test(entry.name)) newest = Math.max(newest, fs.statSync(full).mtimeMs);
  }
  return newest;
}

const builtAt = fs.existsSync(marker) ? fs.statSync(marker).mtimeMs : 0;
// A built image ships dist/ without the TypeScript sources (and without the compiler): nothing to build there.
if (!fs.existsSync(path.join(root, 'src'))) {
  if (builtAt > 0) process.exit(0);
  process.stderr.write(`Neither the sources (src/) nor a build (${path.relative(root, marker)}) are here: nothing to run\n`);
  process.exit(1);
}
const sourcesAt = Math.max(newestMtime(path.join(root, 'src')), newestMtime(path.join(root, 'schemas')));
if (builtAt < sourcesAt) {
  process.stderr.write('Building (tsc)...\n');
  execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', path.join(root, 'tsconfig.build.json')], {
    stdio: 'inherit',
    cwd: root,
  });
  fs.utimesSync(marker, new Date(), new Date());
}
