// SCIM_SCHEMAS_DIR read from disk: the *.json files of the folder become extension schemas; a missing folder or a
// broken file stops start-up with the variable, the folder, the file and the attribute named.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadRegistry, SchemasDirError } from '../../../src/config/schemas-dir';

const ACME = 'urn:example:params:scim:schemas:extension:acme:2.0:User';

describe('loadRegistry', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'scim-schemas-dir-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('is the built-in registry without a folder', () => {
    // User, Group, the enterprise extension, the product's Role (README "Roles") and its own User extension.
    expect(loadRegistry(undefined).schemas).toHaveLength(5);
    expect(loadRegistry('').schemas).toHaveLength(5);
  });

  it('reads the *.json files of the folder, and nothing else in it', () => {
    writeFileSync(join(dir, 'acme.json'), JSON.stringify({ id: ACME, attributes: [{ name: 'costCenter', type: 'string' }] }));
    writeFileSync(join(dir, 'README.md'), 'not a schema');
    mkdirSync(join(dir, 'old.json'));
    const registry = loadRegistry(dir);
    expect(registry.schema(ACME)?.attributes[0].name).toBe('costCenter');
    expect(registry.resourceType('User')!.schemaExtensions.map((extension) => extension.schema)).toContain(ACME);
  });

  it('names the variable, the folder, the file and the attribute of a mistake', () => {
    writeFileSync(join(dir, 'acme.json'), JSON.stringify({ id: ACME, attributes: [{ name: 'level', type: 'number' }] }));
    expect(() => loadRegistry(dir)).toThrow(SchemasDirError);
    expect(() => loadRegistry(dir)).toThrow(`SCIM_SCHEMAS_DIR (${dir}): acme.json: attribute 'level': "type" must be one of`);
  });

  it('refuses a folder that does not exist', () => {
    expect(() => loadRegistry(join(dir, 'missing'))).toThrow(`SCIM_SCHEMAS_DIR (${join(dir, 'missing')}): cannot read the folder: no such folder`);
  });
});
