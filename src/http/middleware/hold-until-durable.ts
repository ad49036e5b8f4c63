// Holds every response until the writes committed before it are on disk.
//
// The embedded store answers a write only once its COMMIT is on disk, but it syncs the write-ahead log off the event
// loop (src/store/sqlite/wal-sync.ts): between a group transaction's COMMIT and the end of its sync, a read on
// another request can already see its rows. Were the response sent then, and the machine lost power before the sync,
// a client would have been shown a user or a change that is gone afterwards. So the response waits: whatever it
// read was committed before it is sent, so once every commit made before that moment is on disk, so is all it
// showed. The wait is at most one sync (a few milliseconds of disk, no CPU) and only while writes are being synced;
// on a store without such a window (`durable` absent or answering undefined) nothing waits.
//
// It waits at `res.end`, where Express hands over the whole body of every response (JSON, errors, empty 204s). The
// bodies streamed with `res.write` before it are files of finished jobs (exports), whose rows were committed by
// writes that sync themselves (synchronous=FULL), which also syncs everything committed before them.
import type { RequestHandler, Response } from 'express';

export function holdUntilDurable(durable: () => Promise<void> | undefined): RequestHandler {
  return (_req, res, next) => {
    const end = res.end.bind(res) as (...args: unknown[]) => Response;
    res.end = ((...args: unknown[]) => {
      const pending = durable();
      if (!pending) return end(...args);
      void pending.then(() => end(...args));
      return res;
    }) as Response['end'];
    next();
  };
}
