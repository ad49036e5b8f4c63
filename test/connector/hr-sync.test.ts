// The HR connector of docs/hr-csv-connector.md, run as the guide runs it (a child process over real HTTP) against the
// real app: the first run creates everyone, a second run of the same file changes nothing, a changed file updates in
// place, matched by externalId, and --deactivate-missing deactivates who left.
import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import request from 'supertest';
import { createTestApp, SCIM, type TestApp, type TestTenant } from '../helpers/test-app';

const root = resolve(__dirname, '../..');
const run = promisify(execFile);
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

let t: TestApp;
let tenant: TestTenant;
let directory: string;
let csv: string;
let base: string;

async function sync(...flags: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [join(root, 'scripts/hr-sync.js'), '--csv', csv, '--url', base, ...flags], {
      env: { ...process.env, SCIM_TOKEN: tenant.token },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- SCIM JSON, read field by field in expectations
type ScimUser = Record<string, any>;

async function usersByExternalId(): Promise<Map<string, ScimUser>> {
  const res = await request(t.app).get(`${SCIM}/Users`).query({ count: 100 }).set(tenant.auth);
  return new Map(res.body.Resources.map((user: ScimUser) => [user.externalId, user]));
}

beforeEach(async () => {
  t = await createTestApp();
  tenant = await t.tenant();
  const address = t.app.address() as { port: number };
  base = `http://127.0.0.1:${address.port}${SCIM}`;
  directory = mkdtempSync(join(tmpdir(), 'scim-hr-sync-'));
  csv = join(directory, 'people.csv');
  copyFileSync(join(root, 'docs/examples/people.csv'), csv);
});
afterEach(async () => {
  await t.close();
  rmSync(directory, { recursive: true, force: true });
});

describe('scripts/hr-sync.js', () => {
  it('creates everyone from the guide\'s example file, then changes nothing on a second run', async () => {
    const first = await sync();
    expect(first).toMatchObject({ code: 0, stdout: expect.stringContaining('4 people in') });
    expect(first.stdout).toContain('did create 4, update 0, deactivate 0; 0 unchanged; 0 failed');
    const users = await usersByExternalId();
    expect([...users.keys()].sort()).toEqual(['1001', '1002', '1003', '1004']);
    expect(users.get('1003')).toMatchObject({
      userName: 'ahmed.o@example.com',
      name: { givenName: 'Ahmed', familyName: "O'Neil, Jr." },
      title: 'Manager, Operations',
      emails: [{ value: 'ahmed.o@example.com', type: 'work', primary: true }],
      [ENTERPRISE]: { employeeNumber: '1003', department: 'Operations' },
    });
    expect(users.get('1004')).toMatchObject({ active: false, name: { givenName: 'María', familyName: 'García' } });
    expect(users.get('1004')).not.toHaveProperty('title');

    const again = await sync();
    expect(again.stdout).toContain('did create 0, update 0, deactivate 0; 4 unchanged; 0 failed');
    const after = await usersByExternalId();
    for (const [externalId, user] of users) expect(after.get(externalId)?.meta.version).toBe(user.meta.version);
  });

  it('updates a changed person in place (matched by externalId, even after a userName change), keeping what it does not manage', async () => {
    await sync();
    const before = await usersByExternalId();
    const jsmith = before.get('1002')!;
    // Something the file does not manage, set by someone else: it must survive the update.
    await request(t.app)
      .patch(`${SCIM}/Users/${jsmith.id}`)
      .set(tenant.auth)
      .send({ schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'add', path: 'phoneNumbers', value: [{ value: '+1 555 0100', type: 'work' }] }] });
    writeFileSync(csv, readFileSync(csv, 'utf8').replace('1002,jsmith@example.com,John,Smith,jsmith@example.com,Driver,Transport', '1002,john.smith@example.com,John,Smith,john.smith@example.com,Senior Driver,'));

    const result = await sync();
    expect(result.stdout).toContain('did create 0, update 1, deactivate 0; 3 unchanged; 0 failed');
    const after = (await usersByExternalId()).get('1002')!;
    expect(after.id).toBe(jsmith.id);
    expect(after).toMatchObject({ userName: 'john.smith@example.com', title: 'Senior Driver', phoneNumbers: [{ value: '+1 555 0100', type: 'work' }] });
    expect(after[ENTERPRISE]).toBeUndefined();
    expect((await sync()).stdout).toContain('4 unchanged');
  });

  it('deactivates who left only with --deactivate-missing, and says what it would do with --dry-run', async () => {
    await sync();
    writeFileSync(csv, readFileSync(csv, 'utf8').split('\n').filter((line) => !line.startsWith('1001,')).join('\n'));
    expect((await sync()).stdout).toContain('did create 0, update 0, deactivate 0; 3 unchanged');
    expect((await usersByExternalId()).get('1001')?.active).toBe(true);
    expect((await sync('--deactivate-missing', '--dry-run')).stdout).toContain('would create 0, update 0, deactivate 1');
    expect((await usersByExternalId()).get('1001')?.active).toBe(true);
    expect((await sync('--deactivate-missing')).stdout).toContain('did create 0, update 0, deactivate 1');
    expect((await usersByExternalId()).get('1001')?.active).toBe(false);
  });

  it('reports a person the server refuses and exits 1; refuses a bad file before writing anything', async () => {
    // Someone already has this userName without being managed by the file: the create is refused (409 uniqueness).
    await request(t.app).post(`${SCIM}/Users`).set(tenant.auth).send({ schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: 'jsmith@example.com' });
    const result = await sync();
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('did create 3, update 0, deactivate 0; 0 unchanged; 1 failed');
    expect(result.stdout).toMatch(/failed: POST employee-1002: 409 /);

    writeFileSync(csv, 'employeeId,userName\n7,a@example.com\n7,b@example.com\n');
    const duplicate = await sync();
    expect(duplicate).toMatchObject({ code: 1, stderr: expect.stringContaining('line 3: employeeId 7 appears twice') });
    expect((await usersByExternalId()).has('7')).toBe(false);
  });
});
