// The ceiling: a bare Express 5 app with no SCIM work at all. GET answers a fixed 1 KB JSON body and POST echoes the
// parsed JSON body, so no SCIM server on Express can beat it on the same machine and port setup.
'use strict';
const express = require('express');

const base = {
  schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
  id: '2819c223-7f76-453a-919d-413861904646',
  userName: 'bjensen@example.com',
  padding: '',
};
// Exactly 1,024 bytes of JSON.
const BODY = JSON.stringify({ ...base, padding: 'x'.repeat(1024 - JSON.stringify(base).length) });

const app = express();
app.disable('x-powered-by');
app.use(express.json({ type: ['application/scim+json', 'application/json'], limit: '1mb' }));
app.get('/health', (_req, res) => res.json({ status: 'ok' }));
app.get('/ceiling', (_req, res) => {
  res.type('application/scim+json').send(BODY);
});
app.post('/ceiling', (req, res) => {
  res.status(201).type('application/scim+json').send(JSON.stringify(req.body));
});

const port = Number(process.env.PORT ?? 0);
const server = app.listen(port, process.env.HOST ?? '127.0.0.1', () => {
  process.stdout.write(`ceiling listening on ${server.address().port} (GET body ${Buffer.byteLength(BODY)} bytes)\n`);
});
server.keepAliveTimeout = 65_000;
process.on('SIGTERM', () => server.close(() => process.exit(0)));
