#!/usr/bin/env bash
# Builds, in <dir>, this checkout's committed HEAD with the audit trail and the rate limits switched off: the two
# one-line patches of README "What auditing costs" (`auditTrail()` returns a middleware that only calls next();
# `limitRequests()` and `guardAuthentication()` pass every request). Not a setting of the server: a baseline for
# bench/audit-cost.js and `npm run bench -- --baseline <dir>`.
# usage: bash bench/audit-off.sh <dir>
set -euo pipefail
dir=${1:?usage: bash bench/audit-off.sh <dir>}
root=$(cd "$(dirname "$0")/.." && pwd)
rm -rf "$dir" && mkdir -p "$dir"
git -C "$root" archive HEAD | tar -x -C "$dir"
ln -s "$root/node_modules" "$dir/node_modules"
cd "$dir"
node - <<'JS'
const fs = require('node:fs');
const patch = (file, from, to) => {
  const text = fs.readFileSync(file, 'utf8');
  if (!text.includes(from)) throw new Error(`${file}: the line to patch is gone; update bench/audit-off.sh`);
  fs.writeFileSync(file, text.replace(from, to));
};
const trail = 'src/http/middleware/audit-trail.ts';
const head = 'export function auditTrail(deps: AuditTrailDeps) {\n';
patch(trail, head, `${head}  if (deps) return (_req: Request, _res: Response, next: NextFunction): void => next();\n`);
const limits = 'src/http/middleware/rate-limit.ts';
const limit = 'export function limitRequests(deps: RequestLimitsDeps): RequestHandler {\n';
patch(limits, limit, `${limit}  if (deps) return (_req: Request, _res: Response, next: NextFunction) => next();\n`);
patch(limits, '  if (!(deps.config.authFailuresPerMinute > 0)) return authenticate;', '  if (deps) return authenticate;');
JS
# The patched functions no longer use what follows their early return, which tsc reports; it still emits the build.
npx tsc -p tsconfig.build.json > /dev/null || true
grep -q 'if (deps)' dist/src/http/middleware/audit-trail.js dist/src/http/middleware/rate-limit.js
echo "switched-off build ready: $dir"
