// Entry point of `npm run admin -- <command>` (and of `scim-admin` in the container image): opens the store the
// server uses and runs one command (commands.ts). Like src/main.ts it may read process.env; it reads only where the
// store is and SCIM_SCHEMAS_DIR.
import { createInterface } from 'node:readline/promises';
import { OPTIONS } from '../config/options';
import { parseStoreSpec } from '../config/store-spec';
import { loadRegistry } from '../config/schemas-dir';
import { openStore } from '../store/open-store';
import { isStoreError } from '../store/store-error';
import { runAdmin } from './commands';

// The same resolution as loadConfig: SCIM_STORE, else MONGODB_URI, else the default embedded file.
const storeValue = process.env.SCIM_STORE || process.env.MONGODB_URI || OPTIONS.store.default;
const storeSource = process.env.SCIM_STORE ? 'SCIM_STORE' : process.env.MONGODB_URI ? 'MONGODB_URI' : `the default store (${OPTIONS.store.default})`;

/** One line from the terminal; undefined when stdin is not a terminal (a script must pass --yes instead). */
async function ask(question: string): Promise<string | undefined> {
  if (!process.stdin.isTTY) return undefined;
  const terminal = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return await terminal.question(question);
  } finally {
    terminal.close();
  }
}

runAdmin(process.argv.slice(2), {
  store: async ({ create }) => {
    try {
      // The server's registry: the stores derive their search data from it, so another one would rebuild it.
      return await openStore(parseStoreSpec(storeValue), { registry: loadRegistry(process.env.SCIM_SCHEMAS_DIR), mustExist: !create, registerModel: false });
    } catch (error) {
      if (!isStoreError(error, 'not_found')) throw error;
      // The connection string is never repeated: it may hold a password.
      throw new Error(
        `${error.message} (store from ${storeSource}). Run the command where the server runs, with the same SCIM_STORE, or add --create to start a new, empty store`,
        { cause: error },
      );
    }
  },
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  ask,
}).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
