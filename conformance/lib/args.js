// Command line of `npm run conformance -- [options]`: parsed once into a plain options object.
'use strict';
const path = require('node:path');

const repoRoot = path.resolve(__dirname, '..', '..');
const sharedSuites = path.resolve(repoRoot, '..', 'shared', 'conformance');

const USAGE = [
  'Usage: npm run conformance -- [options]',
  '',
  'Without --url: builds the server, starts it on a free port with a fresh temporary embedded store, creates',
  'tenants and tokens, runs our own suite and the third-party suites, and stops the server.',
  '',
  '  --url <base>          run only our own suite against a deployment, e.g. https://host/scim/v2',
  '  --token <token>       bearer token for --url (read and write scopes)',
  '  --read-token <token>  optional read-only token for --url (enables the 403 scope checks)',
  '  --microsoft <file>    Microsoft Postman collection (default ../shared/conformance/microsoft-scim-tests/...)',
  '  --okta <file>         Okta SPEC test collection (default ../shared/conformance/okta-scim20-spec/...)',
  '  --okta-2019 <file>    Okta SPEC test with discovery (2019 version)',
  '  --only <names>        comma-separated suites to run: own, microsoft, okta, okta-2019',
  '  --verbose             print every assertion, not only the failures',
  '  --update-readme       rewrite the conformance table in README.md with this run\'s figures',
  '  --help                this text',
];

const DEFAULTS = {
  microsoft: path.join(sharedSuites, 'microsoft-scim-tests', 'PostmanCollection.no-token.json'),
  okta: path.join(sharedSuites, 'okta-scim20-spec', 'Okta-SCIM-20-SPEC-Test.postman_collection.json'),
  'okta-2019': path.join(sharedSuites, 'okta-scim20-spec', 'Okta-SCIM-20-SPEC-Test.2019-03-with-discovery.postman_collection.json'),
};

const SUITE_NAMES = ['own', 'microsoft', 'okta', 'okta-2019'];

/** Where a user obtains each third-party suite (they are not part of this repository), and the flag that takes it. */
const SOURCES = {
  microsoft:
    "Microsoft's Entra ID SCIM tests: PostmanCollection.json in the AzureAD/SCIMReferenceCode repository on GitHub " +
    '(MIT licensed); save it and give it with --microsoft <file>. Its first folder, "Get Token", which asks ' +
    "Microsoft's sample server for a token, is left out: the runner passes a token of its own.",
  okta:
    "Okta's SCIM 2.0 SPEC test: published as a Runscope export (Okta-SCIM-20-SPEC-Test.json) in the " +
    'okta/okta-developer-docs repository on GitHub, under standards/SCIM/SCIMFiles. The runner takes it as a Postman ' +
    'collection with one pm.test per Runscope assertion (CI keeps a converted copy in ../shared/conformance/okta-scim20-spec/); ' +
    'give it with --okta <file>.',
  'okta-2019':
    'The 2019 version of the same Okta file, which also checks /ServiceProviderConfig, /ResourceTypes and /Schemas ' +
    '(the same repository, in its history), converted the same way; give it with --okta-2019 <file>.',
};

/** The line printed when a third-party suite file is missing: what it is, where to get it, which flag takes it. */
function missingSuiteMessage(suite, file) {
  return `SKIPPED ${suite}: no suite file at ${file}. ${SOURCES[suite]} To run without it, leave it out with --only (e.g. --only own).`;
}
const VALUE_OPTIONS = ['url', 'token', 'read-token', 'microsoft', 'okta', 'okta-2019', 'only'];
const FLAG_OPTIONS = ['verbose', 'update-readme', 'help'];

class UsageError extends Error {}

/** @param {string[]} argv */
function parseArgs(argv) {
  /** @type {Record<string, string | boolean>} */
  const raw = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--')) throw new UsageError(`Unexpected argument "${arg}"`);
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq === -1 ? undefined : eq);
    if (FLAG_OPTIONS.includes(name)) {
      raw[name] = true;
      continue;
    }
    if (!VALUE_OPTIONS.includes(name)) throw new UsageError(`Unknown option --${name}`);
    const value = eq === -1 ? argv[++i] : arg.slice(eq + 1);
    if (value === undefined || value === '') throw new UsageError(`Option --${name} needs a value`);
    raw[name] = value;
  }

  const only = typeof raw.only === 'string' ? raw.only.split(',').map((name) => name.trim()).filter(Boolean) : SUITE_NAMES;
  for (const name of only) if (!SUITE_NAMES.includes(name)) throw new UsageError(`Unknown suite "${name}"; the suites are ${SUITE_NAMES.join(', ')}`);

  const url = typeof raw.url === 'string' ? raw.url.replace(/\/+$/, '') : undefined;
  if (url !== undefined) {
    let parsed;
    try {
      parsed = new URL(url);
    } catch {
      throw new UsageError(`--url must be an absolute URL such as https://scim.example.com/scim/v2, got "${url}"`);
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new UsageError('--url must use http or https');
    if (typeof raw.token !== 'string') throw new UsageError('--url needs --token <bearer token>');
  }

  const suitePath = (name) => path.resolve(typeof raw[name] === 'string' ? raw[name] : DEFAULTS[name]);
  return {
    help: raw.help === true,
    url,
    token: typeof raw.token === 'string' ? raw.token : undefined,
    readToken: typeof raw['read-token'] === 'string' ? raw['read-token'] : undefined,
    // Against a deployment only our own suite runs: the third-party suites need an empty, dedicated tenant.
    suites: url !== undefined ? ['own'] : only,
    paths: { microsoft: suitePath('microsoft'), okta: suitePath('okta'), 'okta-2019': suitePath('okta-2019') },
    verbose: raw.verbose === true,
    updateReadme: raw['update-readme'] === true,
  };
}

module.exports = { parseArgs, UsageError, USAGE, repoRoot, missingSuiteMessage, SOURCES };
