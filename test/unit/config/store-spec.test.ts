import { parseStoreSpec } from '../../../src/config/store-spec';

describe('parseStoreSpec', () => {
  it('parses SQLite files and the in-memory database', () => {
    expect(parseStoreSpec('sqlite:./data/scim.db')).toEqual({ kind: 'sqlite', path: './data/scim.db' });
    expect(parseStoreSpec('sqlite:/data/scim.db')).toEqual({ kind: 'sqlite', path: '/data/scim.db' });
    expect(parseStoreSpec(' sqlite::memory: ')).toEqual({ kind: 'sqlite', path: ':memory:' });
  });

  it('keeps MongoDB connection strings whole', () => {
    const uri = 'mongodb://admin:p%40ss@db1:27017,db2:27017/scim?replicaSet=rs0';
    expect(parseStoreSpec(uri)).toEqual({ kind: 'mongodb', uri });
    expect(parseStoreSpec('mongodb+srv://cluster0.example.net/scim')).toEqual({ kind: 'mongodb', uri: 'mongodb+srv://cluster0.example.net/scim' });
  });

  it('names SCIM_STORE in every error and never repeats the value', () => {
    const cases: [string, string][] = [
      ['sqlite:', 'SCIM_STORE names no SQLite file'],
      ['mongodb://', 'SCIM_STORE is not a valid MongoDB connection string'],
      ['mongodb://user:hunter2@/db', 'SCIM_STORE is not a valid MongoDB connection string'],
      ['postgres://user:hunter2@db/scim', 'SCIM_STORE uses the unsupported scheme "postgres:"'],
      ['./data/scim.db', 'SCIM_STORE is not a store description'],
      ['', 'SCIM_STORE is not a store description'],
    ];
    for (const [value, message] of cases) {
      let thrown: unknown;
      try {
        parseStoreSpec(value);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(Error);
      expect((thrown as Error).message).toContain(message);
      expect((thrown as Error).message).toContain('sqlite::memory:');
      expect((thrown as Error).message).not.toContain('hunter2');
    }
  });
});
