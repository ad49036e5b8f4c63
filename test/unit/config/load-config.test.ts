import { checkServerConfig, ConfigError, loadConfig, redactedConfig } from '../../../src/config/load-config';

describe('loadConfig', () => {
  it('applies defaults', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ port: 8080, store: 'sqlite:./data/scim.db', basePath: '/scim/v2', maxResults: 1000, publicDiscovery: false });
    expect(config.publicBaseUrl).toBeUndefined();
  });

  it('parses values and names every invalid variable', () => {
    expect(loadConfig({ PORT: '9000', SCIM_BODY_LIMIT: '2mb', SCIM_PUBLIC_DISCOVERY: 'true' })).toMatchObject({ port: 9000, bodyLimit: 2 * 1024 * 1024, publicDiscovery: true });
    try {
      loadConfig({ PORT: 'eighty', SCIM_BASE_URL: 'not a url', SCIM_LOG_LEVEL: 'loud' });
      throw new Error('expected a ConfigError');
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      const problems = (error as ConfigError).problems.join('\n');
      expect(problems).toContain('PORT');
      expect(problems).toContain('SCIM_BASE_URL');
      expect(problems).toContain('SCIM_LOG_LEVEL');
    }
  });

  it('takes MONGODB_URI when SCIM_STORE is unset, and redacts credentials when logged', () => {
    const config = loadConfig({ MONGODB_URI: 'mongodb://admin:hunter2@db:27017/scim', SCIM_BOOTSTRAP_TOKEN: 'x'.repeat(40) });
    expect(config.store).toBe('mongodb://admin:hunter2@db:27017/scim');
    const shown = JSON.stringify(redactedConfig(config));
    expect(shown).not.toContain('hunter2');
    expect(shown).not.toContain('x'.repeat(40));
    expect(shown).toContain('db:27017');
  });

  it('reads SCIM_METRICS as off, on or a port; on the server port it needs SCIM_METRICS_TOKEN, which is never logged', () => {
    expect(loadConfig({}).metrics).toEqual({ mode: 'off' });
    expect(loadConfig({ SCIM_METRICS: 'ON' }).metrics).toEqual({ mode: 'on' });
    expect(loadConfig({ SCIM_METRICS: '9464' }).metrics).toEqual({ mode: 'port', port: 9464 });
    expect(() => loadConfig({ SCIM_METRICS: 'yes please' })).toThrow(/SCIM_METRICS must be off, on, or a port number/);
    expect(() => loadConfig({ SCIM_METRICS_TOKEN: 'short' })).toThrow(/SCIM_METRICS_TOKEN must be at least 32 characters/);
    expect(() => checkServerConfig(loadConfig({ SCIM_METRICS: 'on' }))).toThrow(/SCIM_METRICS_TOKEN must be set when SCIM_METRICS=on/);
    expect(() => checkServerConfig(loadConfig({ SCIM_METRICS: '8080' }))).toThrow(/SCIM_METRICS names the server's own port/);
    expect(() => checkServerConfig(loadConfig({ SCIM_METRICS: '9464' }))).not.toThrow();
    const token = 't'.repeat(40);
    expect(JSON.stringify(redactedConfig(loadConfig({ SCIM_METRICS: 'on', SCIM_METRICS_TOKEN: token })))).not.toContain(token);
  });

  it('requires SCIM_CURSOR_SECRET for a server on MongoDB only', () => {
    expect(() => checkServerConfig(loadConfig({ MONGODB_URI: 'mongodb://db:27017/scim' }))).toThrow(/SCIM_CURSOR_SECRET must be set when the store is MongoDB/);
    expect(() => checkServerConfig(loadConfig({ SCIM_STORE: 'mongodb+srv://cluster.example.net/scim' }))).toThrow(ConfigError);
    expect(() => checkServerConfig(loadConfig({ MONGODB_URI: 'mongodb://db:27017/scim', SCIM_CURSOR_SECRET: 's'.repeat(32) }))).not.toThrow();
    expect(() => checkServerConfig(loadConfig({}))).not.toThrow();
  });
});
