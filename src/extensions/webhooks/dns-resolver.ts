// The addresses a host name resolves to, as the operating system's resolver answers (the resolver a connection to it
// would use); every address, in the resolver's order.
import { lookup } from 'node:dns/promises';
import type { Resolver } from './address-policy';

export const systemResolver: Resolver = async (hostname) => (await lookup(hostname, { all: true, verbatim: true })).map((entry) => entry.address);
