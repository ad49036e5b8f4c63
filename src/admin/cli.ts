// Entry point of `npm run admin -- <command>`: opens the store the server uses and runs one command
// (commands.ts). Like src/main.ts it may read process.env; it reads only where the store is.
import { OPTIONS } from '../config/options';
import { parseStoreSpec } from '../config/store-spec';
import { loadBuiltinRegistry } from '../scim/schema/builtin-registry';
import { openStore } from '../store/open-store';
import { runAdmin } from './commands';

// The same resolution as loadConfig: SCIM_STORE, else MONGODB_URI, else the default embedded file.
const storeValue = process.env.SCIM_STORE || process.env.MONGODB_URI || OPTIONS.store.default;

runAdmin(process.argv.slice(2), {
  store: () => openStore(parseStoreSpec(storeValue), { registry: loadBuiltinRegistry() }),
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
}).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
