// The container image and compose file, checked without a Docker engine (there is none where the tests run): the
// Dockerfile is read as a list of stages and COPY steps, and the files of the final image are checked against what
// the documented commands need: `npm start`, `npm run admin -- …` and `scim-admin …` as the README and docs/ show
// them (`docker compose exec scim …`, `docker run … scim-server …`). Building and running the image is left to a
// machine with Docker (README "Docker").
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, posix, resolve } from 'node:path';
import { ADMIN_USAGE } from '../../../src/admin/commands';

const root = resolve(__dirname, '../../..');
const read = (file: string) => readFileSync(join(root, file), 'utf8');

interface Copy {
  readonly from?: string;
  readonly sources: string[];
  readonly destination: string;
  /** The destination was written as a directory (`./`, `dir/`). */
  readonly intoDirectory: boolean;
}

interface Stage {
  readonly image: string;
  readonly name?: string;
  workdir: string;
  readonly copies: Copy[];
  readonly runs: string[];
  readonly instructions: string[];
}

/** The Dockerfile as stages; continuation lines joined, comments dropped. */
function parseDockerfile(text: string): Stage[] {
  const lines = text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  const stages: Stage[] = [];
  for (const line of lines) {
    const [instruction, ...rest] = line.split(/\s+/);
    const args = rest.join(' ');
    if (instruction === 'FROM') {
      const [image, as, name] = rest;
      stages.push({ image, name: as?.toUpperCase() === 'AS' ? name : undefined, workdir: '/', copies: [], runs: [], instructions: [] });
      continue;
    }
    const stage = stages[stages.length - 1];
    stage.instructions.push(line);
    if (instruction === 'WORKDIR') stage.workdir = posix.resolve(stage.workdir, args);
    if (instruction === 'RUN') stage.runs.push(args);
    if (instruction === 'COPY') {
      const from = rest.find((part) => part.startsWith('--from='))?.slice('--from='.length);
      const paths = rest.filter((part) => !part.startsWith('--'));
      const destination = paths[paths.length - 1];
      stage.copies.push({ from, sources: paths.slice(0, -1), destination: posix.resolve(stage.workdir, destination), intoDirectory: destination.endsWith('/') || destination === '.' });
    }
  }
  return stages;
}

/** Paths in the image that a COPY of `source` to `destination` provides (a directory stays one entry). */
function copiedPath(copy: Copy, source: string): string {
  const name = posix.basename(source.replace(/\/+$/, ''));
  return copy.intoDirectory || copy.sources.length > 1 ? posix.join(copy.destination, name) : copy.destination;
}

const stages = parseDockerfile(read('Dockerfile'));
const runtime = stages[stages.length - 1];
const build = stages.find((stage) => stage.name === 'build')!;
const packageJson = JSON.parse(read('package.json')) as { scripts: Record<string, string>; dependencies: Record<string, string> };

/** Every path of the final image that a COPY puts there, with where it came from. */
const imageFiles = new Map<string, { stage?: string; source: string }>();
for (const copy of runtime.copies) for (const source of copy.sources) imageFiles.set(copiedPath(copy, source), { stage: copy.from, source });

/** True when `path` (absolute, in the final image) is there: copied itself, or inside a copied directory. */
function inImage(path: string): boolean {
  for (const [copied, origin] of imageFiles) {
    if (path === copied) return true;
    if (!path.startsWith(`${copied}/`)) continue;
    const inside = path.slice(copied.length + 1);
    // dist/ comes from the build stage's `npm run build`: a compiled file is there when its TypeScript source is in
    // the repository and the build stage copied the sources.
    if (origin.stage === 'build' && origin.source.replace(/^\/app\//, '') === 'dist') {
      const source = inside.replace(/\.js$/, '.ts');
      return build.copies.some((c) => c.sources.includes('src')) && existsSync(join(root, source));
    }
    if (origin.stage === undefined) return existsSync(join(root, origin.source, inside));
    return true;
  }
  return false;
}

/** The files a package.json script runs with `node <file>` (its pre-script too), as image paths. */
function filesOfScript(name: string): string[] {
  const scripts = [packageJson.scripts[`pre${name}`], packageJson.scripts[name]].filter((script): script is string => script !== undefined);
  return scripts.flatMap((script) => [...script.matchAll(/\bnode\s+(?:--\S+\s+)*([^\s&|;]+)/g)].map((match) => posix.resolve(runtime.workdir, match[1])));
}

/** Commands the README and the guides tell people to run inside the container. */
function documentedContainerCommands(): string[] {
  const documents = ['README.md', ...(existsSync(join(root, 'docs')) ? readdirSync(join(root, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`) : [])];
  const commands: string[] = [];
  for (const document of documents) {
    for (const match of read(document).matchAll(/docker compose exec(?: -\S+)* scim ([^\n`#]+)/g)) commands.push(match[1].trim());
    for (const match of read(document).matchAll(/docker exec(?: -\S+)* scim ([^\n`#]+)/g)) commands.push(match[1].trim());
    for (const match of read(document).matchAll(/docker run [^\n`#]*?scim-server ([^\n`#]+)/g)) commands.push(match[1].trim());
  }
  return commands;
}

describe('Dockerfile', () => {
  it('builds on a supported Node LTS that better-sqlite3 supports', () => {
    for (const stage of stages) {
      const major = Number(/^node:(\d+)/.exec(stage.image)?.[1]);
      expect({ image: stage.image, lts: major >= 22 && major % 2 === 0 }).toEqual({ image: stage.image, lts: true });
      const engines = JSON.parse(read('node_modules/better-sqlite3/package.json')).engines.node as string;
      expect(engines.split('||').map((range) => range.trim())).toContain(`${major}.x`);
    }
    expect(packageJson.dependencies['better-sqlite3']).toMatch(/^\^12\./);
  });

  it('copies only files that exist and that .dockerignore does not exclude', () => {
    const ignored = read('.dockerignore').split('\n').map((line) => line.trim()).filter(Boolean);
    for (const stage of stages) {
      for (const copy of stage.copies.filter((c) => c.from === undefined)) {
        for (const source of copy.sources) {
          expect({ source, exists: existsSync(join(root, source)) }).toEqual({ source, exists: true });
          expect({ source, ignored: ignored.some((pattern) => source === pattern || source.startsWith(`${pattern}/`)) }).toEqual({ source, ignored: false });
        }
      }
    }
    expect(ignored).toContain('.env');
  });

  it('gives the build stage what the build reads (tsconfig includes, package.json imported by the app)', () => {
    const copied = build.copies.flatMap((copy) => copy.sources);
    const includes = JSON.parse(read('tsconfig.build.json')).include as string[];
    for (const include of includes) expect(copied).toContain(include.split('/')[0]);
    for (const file of ['package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json']) expect(copied).toContain(file);
    expect(build.runs.join('\n')).toMatch(/npm ci[\s\S]*npm run build && npm prune --omit=dev/);
  });

  it('holds every file that npm start and npm run admin run', () => {
    for (const script of ['start', 'admin']) {
      const files = filesOfScript(script);
      expect(files.length).toBeGreaterThan(0);
      for (const file of files) expect({ script, file, inImage: inImage(file) }).toEqual({ script, file, inImage: true });
    }
    expect(inImage('/app/scripts/build-if-needed.js')).toBe(true);
    expect(inImage('/app/package.json')).toBe(true);
    expect(inImage('/app/node_modules')).toBe(true);
  });

  it('starts the server as npm start does, with the same node flags (README "Export and import": V8 young generation)', () => {
    const command = runtime.instructions.find((line) => line.startsWith('CMD '));
    const argv = JSON.parse(command!.slice('CMD '.length)) as string[];
    expect(argv).toEqual((packageJson.scripts.start as string).trim().split(/\s+/));
    expect(argv).toContain('--max-semi-space-size=2');
  });

  it('installs scim-admin, which runs the compiled admin CLI', () => {
    expect(inImage('/usr/local/bin/scim-admin')).toBe(true);
    const script = read('scripts/scim-admin');
    const target = /exec node (\S+) "\$@"/.exec(script)?.[1];
    expect(target).toBe('/app/dist/src/admin/cli.js');
    expect(inImage(target!)).toBe(true);
    expect(runtime.runs.join('\n')).toMatch(/chmod 755 \/usr\/local\/bin\/scim-admin/);
  });

  it('runs as uid 1000 with its data in /data, and checks /ready', () => {
    expect(runtime.instructions).toContain('USER node');
    expect(runtime.instructions.some((line) => /^VOLUME .*\/data/.test(line))).toBe(true);
    expect(runtime.runs.join('\n')).toMatch(/chown node:node \/data/);
    expect(runtime.instructions.find((line) => line.startsWith('HEALTHCHECK'))).toMatch(/\/ready/);
    expect(runtime.instructions.find((line) => line.startsWith('ENV'))).toMatch(/SCIM_STORE=sqlite:\/data\/scim\.db/);
  });

  it('can run every command the README and the guides run inside the container', () => {
    const commands = documentedContainerCommands();
    expect(commands.length).toBeGreaterThanOrEqual(3);
    const usage = ADMIN_USAGE.join('\n');
    for (const command of commands) {
      const words = command.split(/\s+/);
      let adminArgs: string[] | undefined;
      if (words[0] === 'scim-admin') {
        expect({ command, inImage: inImage('/usr/local/bin/scim-admin') }).toEqual({ command, inImage: true });
        adminArgs = words.slice(1);
      } else if (words[0] === 'npm') {
        const script = words[1] === 'run' ? words[2] : words[1];
        expect({ command, script: packageJson.scripts[script] !== undefined }).toEqual({ command, script: true });
        for (const file of filesOfScript(script)) expect({ command, file, inImage: inImage(file) }).toEqual({ command, file, inImage: true });
        if (script === 'admin') adminArgs = words.slice(words.indexOf('--') + 1);
      } else {
        throw new Error(`A documented container command this test does not know how to check: ${command}`);
      }
      if (adminArgs && adminArgs[0] !== 'help') {
        expect({ command, known: usage.includes(`  ${adminArgs[0]} ${adminArgs[1]} `) }).toEqual({ command, known: true });
      }
    }
  });
});

describe('build-if-needed.js in the image (compiled output, no sources, no compiler)', () => {
  let app: string;
  beforeEach(() => {
    app = mkdtempSync(join(tmpdir(), 'scim-image-'));
    mkdirSync(join(app, 'scripts'));
    copyFileSync(join(root, 'scripts/build-if-needed.js'), join(app, 'scripts/build-if-needed.js'));
  });
  afterEach(() => rmSync(app, { recursive: true, force: true }));

  it('does nothing when dist/ is there and src/ is not', () => {
    mkdirSync(join(app, 'dist/src'), { recursive: true });
    writeFileSync(join(app, 'dist/src/main.js'), '');
    const run = spawnSync(process.execPath, [join(app, 'scripts/build-if-needed.js')], { encoding: 'utf8' });
    expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: '' });
  });

  it('says so when there is neither', () => {
    const run = spawnSync(process.execPath, [join(app, 'scripts/build-if-needed.js')], { encoding: 'utf8' });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/Neither the sources \(src\/\) nor a build/);
  });
});

/** A folder laid out as the final image's /app: every COPY of the runtime stage, nothing else. */
function layOutImage(app: string): void {
  for (const copy of runtime.copies) {
    for (const source of copy.sources) {
      const target = copiedPath(copy, source);
      if (!target.startsWith('/app/')) continue; // /usr/local/bin/scim-admin: checked above, it runs /app/dist/…/cli.js
      const local = join(app, target.slice('/app/'.length));
      mkdirSync(join(local, '..'), { recursive: true });
      const from = copy.from === 'build' ? join(root, source.replace(/^\/app\//, '')) : join(root, source);
      // The build stage's node_modules is the repository's, pruned; linking it keeps the test fast.
      if (source.endsWith('node_modules')) symlinkSync(from, local, 'dir');
      else cpSync(from, local, { recursive: true });
    }
  }
}

const freePort = () =>
  new Promise<number>((resolvePort) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolvePort(port));
    });
  });

describe('the documented commands in a folder laid out as the image', () => {
  let app: string;
  beforeAll(() => {
    execFileSync(process.execPath, [join(root, 'scripts/build-if-needed.js')], { cwd: root, stdio: 'inherit' });
    app = mkdtempSync(join(tmpdir(), 'scim-image-app-'));
    layOutImage(app);
  }, 240_000);
  afterAll(() => rmSync(app, { recursive: true, force: true }));

  it('has no sources, only what the Dockerfile copies', () => {
    expect(existsSync(join(app, 'src'))).toBe(false);
    expect(existsSync(join(app, 'dist/src/main.js'))).toBe(true);
    expect(existsSync(join(app, 'scripts/build-if-needed.js'))).toBe(true);
  });

  it('npm run admin -- … works there (with --create on a new store, refused without)', () => {
    const env = { ...process.env, SCIM_STORE: `sqlite:${join(app, 'data', 'scim.db')}` };
    const refused = spawnSync('npm', ['run', '--silent', 'admin', '--', 'tenant', 'list'], { cwd: app, env, encoding: 'utf8' });
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain('No database file at');
    const created = spawnSync('npm', ['run', '--silent', 'admin', '--', 'tenant', 'create', 'acme', '--create'], { cwd: app, env, encoding: 'utf8' });
    expect({ status: created.status, stderr: created.stderr }).toEqual({ status: 0, stderr: '' });
    const listed = spawnSync('npm', ['run', '--silent', 'admin', '--', 'tenant', 'list'], { cwd: app, env, encoding: 'utf8' });
    expect(listed.stdout).toContain('acme');
  });

  it('npm start starts the server there, and /ready answers', async () => {
    const port = await freePort();
    const child = spawn('npm', ['start'], { cwd: app, env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', SCIM_STORE: `sqlite:${join(app, 'data', 'start.db')}`, SCIM_LOG_LEVEL: 'warn' }, stdio: 'pipe', detached: true });
    let output = '';
    child.stdout.on('data', (chunk) => (output += String(chunk)));
    child.stderr.on('data', (chunk) => (output += String(chunk)));
    try {
      let ready = false;
      for (let attempt = 0; attempt < 300 && !ready && child.exitCode === null; attempt++) {
        ready = await fetch(`http://127.0.0.1:${port}/ready`).then((res) => res.ok, () => false);
        if (!ready) await new Promise((resolveWait) => setTimeout(resolveWait, 50));
      }
      expect({ ready, output: ready ? '' : output }).toEqual({ ready: true, output: '' });
    } finally {
      // npm runs the server as its child: end the whole process group this test started.
      if (child.exitCode === null) {
        const exited = new Promise((resolveExit) => child.once('exit', resolveExit));
        process.kill(-child.pid!, 'SIGTERM');
        await exited;
      }
    }
  });
});

describe('docker-compose.yml', () => {
  const compose = read('docker-compose.yml');
  const entrypoint = read('docker/mongo/mongo-entrypoint.sh');

  it('runs MongoDB as a one-node replica set with authentication, healthy only when primary', () => {
    expect(entrypoint).toMatch(/mongod --replSet rs0 --bind_ip_all --keyFile "\$keyfile"/);
    expect(entrypoint).toMatch(/chmod 400 "\$keyfile"/);
    expect(compose).toMatch(/MONGO_INITDB_ROOT_PASSWORD: \$\{MONGO_ROOT_PASSWORD:\?/);
    expect(compose).toMatch(/rs\.initiate\(\{ _id: "rs0", members: \[\{ _id: 0, host: "mongo:27017" \}\] \}\)/);
    expect(compose).toMatch(/if \(!db\.hello\(\)\.isWritablePrimary\) quit\(1\)/);
    expect(compose).toMatch(/condition: service_healthy/);
    expect(read('docker/mongo/initdb/create-scim-user.js')).toMatch(/roles: \[\{ role: 'readWrite', db: 'scim' \}\]/);
  });

  it('connects the server with its own credentials, behind one trusted proxy, at an https base URL', () => {
    expect(compose).toMatch(/SCIM_STORE: "mongodb:\/\/scim:\$\{SCIM_DB_PASSWORD\}@mongo:27017\/scim\?replicaSet=rs0&authSource=scim"/);
    expect(compose).toMatch(/SCIM_TRUST_PROXY: "1"/);
    expect(compose).toMatch(/SCIM_BASE_URL: "https:\/\/\$\{SCIM_DOMAIN:-localhost\}\/scim\/v2"/);
    expect(read('docker/Caddyfile')).toMatch(/\{\$SCIM_DOMAIN\} \{[\s\S]*reverse_proxy scim:8080/);
  });

  it('takes every secret from the env file, documented in .env.example, and mounts only files that exist', () => {
    const example = read('.env.example');
    const variables = new Set([...compose.matchAll(/\$\{([A-Z_]+)/g)].map((match) => match[1]));
    for (const name of ['SCIM_CURSOR_SECRET', 'SCIM_BOOTSTRAP_TOKEN', 'SCIM_DB_PASSWORD', 'MONGO_ROOT_PASSWORD', 'MONGO_REPLICA_SET_KEY']) expect(variables).toContain(name);
    for (const name of variables) expect({ name, documented: new RegExp(`^${name}=`, 'm').test(example) }).toEqual({ name, documented: true });
    for (const match of compose.matchAll(/- (\.\/[^:\s]+):/g)) expect({ mount: match[1], exists: existsSync(join(root, match[1])) }).toEqual({ mount: match[1], exists: true });
    expect(read('.gitignore')).toMatch(/^\.env$/m);
  });
});
