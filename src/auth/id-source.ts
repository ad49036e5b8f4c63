// Where new tenant and token ids come from. Injected so that tests can use predictable ids.
import { randomUUID } from 'node:crypto';

export interface IdSource {
  uuid(): string;
}

export const randomIds: IdSource = { uuid: () => randomUUID() };
