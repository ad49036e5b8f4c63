// TenantStore on SQLite: tenants and their bearer tokens (only the SHA-256 of each secret is stored).
import type Database from 'better-sqlite3';
import { StoreError } from '../store-error';
import type { Tenant, TenantStore, TokenRecord } from '../tenant-store';
import { sqliteCode, translateErrors } from './sqlite-errors';
import { batchedWrite, type GroupCommit } from './group-commit';
import type { StatementCache } from './statement-cache';

interface TenantRow {
  readonly id: string;
  readonly name: string;
  readonly profile: string;
  readonly created: string;
}

interface TokenRow {
  readonly id: string;
  readonly tenant_id: string;
  readonly label: string;
  readonly scopes: string;
  readonly secret_hash: string;
  readonly created: string;
  readonly revoked: string | null;
  readonly expires: string | null;
  readonly last_used: string | null;
}

const TOKEN_COLUMNS = 'id, tenant_id, label, scopes, secret_hash, created, revoked, expires, last_used';

export function createSqliteTenantStore(deps: { db: Database.Database; statements: StatementCache; commits: GroupCommit }): Omit<TenantStore, 'onAccessChange'> {
  const { db, statements, commits } = deps;
  const run = <T>(call: () => T): T => translateErrors(() => db.open, call);
  const prepared = (sql: string) => statements.get(sql);

  const insertTenant = (tenant: Tenant) => {
    try {
      prepared('INSERT INTO tenants (id, name, profile, created) VALUES (?, ?, ?, ?)').run(tenant.id, tenant.name, tenant.profile, tenant.created);
    } catch (error) {
      if (sqliteCode(error)?.startsWith('SQLITE_CONSTRAINT')) {
        throw new StoreError('conflict', `Tenant ${tenant.id} already exists`, { attribute: 'id', cause: error });
      }
      throw error;
    }
  };

  const insertToken = (token: TokenRecord) => {
    try {
      prepared(`INSERT INTO tokens (${TOKEN_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(
        token.id,
        token.tenantId,
        token.label,
        JSON.stringify(token.scopes),
        token.secretHash,
        token.created,
        token.revoked ?? null,
        token.expires ?? null,
        token.lastUsed ?? null,
      );
    } catch (error) {
      switch (sqliteCode(error)) {
        case 'SQLITE_CONSTRAINT_FOREIGNKEY':
          throw new StoreError('not_found', `Tenant ${token.tenantId} not found`, { cause: error });
        case 'SQLITE_CONSTRAINT_PRIMARYKEY':
          throw new StoreError('conflict', `Token ${token.id} already exists`, { attribute: 'id', cause: error });
        case 'SQLITE_CONSTRAINT_UNIQUE':
          throw new StoreError('conflict', 'A token with this secret already exists', { attribute: 'secretHash', cause: error });
        default:
          throw error;
      }
    }
  };

  // One IMMEDIATE transaction takes the write lock first, so that of several processes starting on one empty file
  // exactly one sees no tenant and creates it; the others wait for its commit and then see the tenant.
  const createFirst = (tenant: Tenant, token: TokenRecord): boolean =>
    db
      .transaction(() => {
        if (prepared('SELECT 1 FROM tenants LIMIT 1').get() !== undefined) return false;
        insertTenant(tenant);
        insertToken(token);
        return true;
      })
      .immediate();

  return {
    async createTenant(tenant: Tenant) {
      run(() => insertTenant(tenant));
    },

    async createFirstTenant(tenant: Tenant, token: TokenRecord) {
      return run(() => createFirst(tenant, token));
    },

    async getTenant(id) {
      return run(() => {
        const row = prepared('SELECT id, name, profile, created FROM tenants WHERE id = ?').get(id) as TenantRow | undefined;
        return row ? toTenant(row) : null;
      });
    },

    async listTenants() {
      return run(() => (prepared('SELECT id, name, profile, created FROM tenants ORDER BY created, id').all() as TenantRow[]).map(toTenant));
    },

    async updateTenantProfile(id, profile: string) {
      return run(() => prepared('UPDATE tenants SET profile = ? WHERE id = ?').run(profile, id).changes > 0);
    },

    async createToken(token: TokenRecord) {
      run(() => insertToken(token));
    },

    async findTokenBySecretHash(secretHash) {
      return run(() => {
        const row = prepared(`SELECT ${TOKEN_COLUMNS} FROM tokens WHERE secret_hash = ?`).get(secretHash) as TokenRow | undefined;
        return row ? toToken(row) : null;
      });
    },

    async listTokens(tenantId?: string) {
      return run(() => {
        const rows =
          tenantId === undefined
            ? prepared(`SELECT ${TOKEN_COLUMNS} FROM tokens ORDER BY created, id`).all()
            : prepared(`SELECT ${TOKEN_COLUMNS} FROM tokens WHERE tenant_id = ? ORDER BY created, id`).all(tenantId);
        return (rows as TokenRow[]).map(toToken);
      });
    },

    async revokeToken(id, at) {
      // Revoking twice keeps the first revocation time; the token exists either way.
      return run(() => {
        const { changes } = prepared('UPDATE tokens SET revoked = coalesce(revoked, ?) WHERE id = ?').run(at, id);
        return changes > 0;
      });
    },

    async expireToken(id, expires) {
      // ISO 8601 UTC instants of one format compare correctly as text.
      return run(() => {
        const sql = 'UPDATE tokens SET expires = CASE WHEN expires IS NULL OR expires > ? THEN ? ELSE expires END WHERE id = ?';
        return prepared(sql).run(expires, expires, id).changes > 0;
      });
    },

    async touchToken(id, at) {
      // In the next group transaction (group-commit.ts): a token's last use rides on the COMMIT of the writes beside it.
      await batchedWrite(db, commits, () => prepared('UPDATE tokens SET last_used = ? WHERE id = ? AND (last_used IS NULL OR last_used < ?)').run(at, id, at));
    },
  };
}

function toTenant(row: TenantRow): Tenant {
  return { id: row.id, name: row.name, profile: row.profile, created: row.created };
}

function toToken(row: TokenRow): TokenRecord {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    label: row.label,
    scopes: JSON.parse(row.scopes) as string[],
    secretHash: row.secret_hash,
    created: row.created,
    ...(row.revoked === null ? {} : { revoked: row.revoked }),
    ...(row.expires === null ? {} : { expires: row.expires }),
    ...(row.last_used === null ? {} : { lastUsed: row.last_used }),
  };
}
