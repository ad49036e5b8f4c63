// SCIM_SCHEMAS_DIR: the folder of extension schemas an operator adds (README "Adding extension schemas"). Reads its
// *.json files and builds the registry the server, the stores and the admin CLI share; any mistake stops start-up
// with the variable, the folder, the file and the attribute named.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadBuiltinRegistry } from '../scim/schema/builtin-registry';
import { registryWithOperatorSchemas, type SchemaFile } from '../scim/schema/operator-schemas';
import type { SchemaRegistry } from '../scim/schema/registry';

export class SchemasDirError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SchemasDirError';
  }
}

/** The built-in registry, plus the schemas of `schemasDir` when one is configured. */
export function loadRegistry(schemasDir: string | undefined): SchemaRegistry {
  if (schemasDir === undefined || schemasDir === '') return loadBuiltinRegistry();
  const files = readSchemaFiles(schemasDir);
  try {
    return registryWithOperatorSchemas(files);
  } catch (error) {
    throw new SchemasDirError(`SCIM_SCHEMAS_DIR (${schemasDir}): ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
}

function readSchemaFiles(dir: string): SchemaFile[] {
  let names: string[];
  try {
    names = readdirSync(dir, { withFileTypes: true })
      .filter((entry) => entry.isFile() && entry.name.toLowerCase().endsWith('.json'))
      .map((entry) => entry.name);
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such folder' : (error as Error).message;
    throw new SchemasDirError(`SCIM_SCHEMAS_DIR (${dir}): cannot read the folder: ${reason}`, { cause: error });
  }
  return names.map((name) => ({ name, text: readFileSync(join(dir, name), 'utf8') }));
}
