// The error handler's log levels: server faults are errors; a deliberate 501 (a feature not offered) is not.
import express from 'express';
import request from 'supertest';
import { errorHandler } from '../../../src/http/middleware/error-handler';
import { scimErrors } from '../../../src/scim/errors';

function appThrowing(error: unknown) {
  const log = { info: jest.fn(), warn: jest.fn(), error: jest.fn() };
  const app = express();
  app.use((req, _res, next) => {
    (req as unknown as { log: typeof log }).log = log;
    next();
  });
  app.get('/x', () => {
    throw error;
  });
  app.use(errorHandler());
  return { app, log };
}

describe('errorHandler logging', () => {
  it('logs a 501 at info level and answers it as a SCIM error', async () => {
    const { app, log } = appThrowing(scimErrors.notImplemented('/Me is not supported'));
    const res = await request(app).get('/x');
    expect(res.status).toBe(501);
    expect(res.body).toMatchObject({ status: '501', detail: '/Me is not supported' });
    expect(log.info).toHaveBeenCalledTimes(1);
    expect(log.error).not.toHaveBeenCalled();
  });

  it('logs a 503 and an unexpected error at error level, never echoing the cause', async () => {
    const unavailable = appThrowing(scimErrors.unavailable('The directory store is not reachable', new Error('ECONNREFUSED')));
    expect((await request(unavailable.app).get('/x')).status).toBe(503);
    expect(unavailable.log.error).toHaveBeenCalledTimes(1);

    const crash = appThrowing(new Error('secret internal detail'));
    const res = await request(crash.app).get('/x');
    expect(res.status).toBe(500);
    expect(res.text).not.toContain('secret internal detail');
    expect(crash.log.error).toHaveBeenCalledTimes(1);
  });

  it('does not log client errors', async () => {
    const { app, log } = appThrowing(scimErrors.invalidValue('bad'));
    expect((await request(app).get('/x')).status).toBe(400);
    expect(log.error).not.toHaveBeenCalled();
    expect(log.info).not.toHaveBeenCalled();
  });
});
