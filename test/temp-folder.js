// Jest global setup and teardown: the whole run gets a temporary folder of its own (TMPDIR, which os.tmpdir() and
// child processes follow), and the run fails when a test left anything in it. A file left behind is a test that
// does not clean up after itself (README "Running the tests"); the folder is removed either way.
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const KEY = 'SCIM_TEST_TMPDIR';

async function setup() {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'scim-test-run-'));
  process.env[KEY] = root;
  process.env.TMPDIR = root;
}

async function teardown() {
  const root = process.env[KEY];
  if (!root) return;
  const left = fs.existsSync(root) ? fs.readdirSync(root) : [];
  fs.rmSync(root, { recursive: true, force: true });
  if (left.length > 0) {
    throw new Error(`Tests left ${left.length} file(s) in the temporary folder: ${left.slice(0, 10).join(', ')}${left.length > 10 ? ', …' : ''}. Remove what a test creates in its afterEach/afterAll.`);
  }
}

module.exports = { setup, teardown };
