// Where a webhook may send (SSRF): a subscriber's URL must not reach the server's own network. A tenant could
// otherwise make the server POST to its loopback interface, a cloud metadata service (169.254.169.254), or another
// service inside the private network, and read the answer's status in the delivery log. So every address a URL's host
// resolves to must be public, unless the operator allows private ones (SCIM_WEBHOOKS_ALLOW_PRIVATE, for receivers
// inside a company network).
//
// The check runs when a webhook is created or changed AND at every delivery, after DNS resolution, and the delivery
// connects to the address it checked (not to a second resolution): a host whose DNS answer changes between the two
// (DNS rebinding) cannot slip a private address in.
import { BlockList, isIP } from 'node:net';

export type Resolver = (hostname: string) => Promise<readonly string[]>;

const BLOCKED = new BlockList();
// RFC 6890 special-purpose ranges that are not the public internet.
for (const [network, prefix] of [
  ['0.0.0.0', 8], // "this network"
  ['10.0.0.0', 8], // private (RFC 1918)
  ['100.64.0.0', 10], // shared address space (carrier-grade NAT)
  ['127.0.0.0', 8], // loopback
  ['169.254.0.0', 16], // link-local, cloud metadata services
  ['172.16.0.0', 12], // private
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.0.2.0', 24], // documentation
  ['192.168.0.0', 16], // private
  ['198.18.0.0', 15], // benchmarking
  ['198.51.100.0', 24], // documentation
  ['203.0.113.0', 24], // documentation
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, broadcast
] as const) {
  BLOCKED.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 128], // unspecified
  ['::1', 128], // loopback
  ['64:ff9b:1::', 48], // local-use IPv4/IPv6 translation
  ['100::', 64], // discard
  ['2001:db8::', 32], // documentation
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
  ['ff00::', 8], // multicast
] as const) {
  BLOCKED.addSubnet(network, prefix, 'ipv6');
}

/** An IPv4 address embedded in an IPv6 one (IPv4-mapped ::ffff:a.b.c.d, or the NAT64 prefix 64:ff9b::/96), if any. */
function embeddedIpv4(address: string): string | undefined {
  const lower = address.toLowerCase();
  const dotted = /^(?:::ffff:|64:ff9b::)(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
  if (dotted) return dotted[1];
  const hex = /^(?:::ffff:|64:ff9b::)([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(lower);
  if (!hex) return undefined;
  const high = Number.parseInt(hex[1], 16);
  const low = Number.parseInt(hex[2], 16);
  return `${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`;
}

/** True for an address that is not on the public internet (loopback, private, link-local, reserved…). */
export function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return BLOCKED.check(address, 'ipv4');
  if (family === 6) {
    const v4 = embeddedIpv4(address);
    if (v4 !== undefined) return BLOCKED.check(v4, 'ipv4');
    return BLOCKED.check(address, 'ipv6');
  }
  return true;
}

/** Why a URL may not be a webhook's target, or undefined. Checks the URL itself, not where it resolves. */
export function urlProblem(text: string): string | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return `"${text.slice(0, 200)}" is not an absolute URL`;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return `the URL must use https (or http), not ${url.protocol.replace(/:$/, '')}`;
  if (url.username !== '' || url.password !== '') return 'the URL must not carry a user name or password; the deliveries are signed instead (X-Signature)';
  if (url.hash !== '') return 'the URL must not have a fragment (#…)';
  return undefined;
}

/** The host of a URL as DNS and the connection want it (IPv6 literals without their brackets). */
export function hostOf(url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, '$1');
}

export interface AddressCheck {
  /** The addresses the host resolved to, all allowed; the first is the one to connect to. */
  readonly addresses: readonly string[];
}

/**
 * Resolves the URL's host and checks every address: a host that resolves to any private address is refused (a DNS
 * answer mixing public and private addresses would otherwise be a way in).
 */
export async function checkDestination(url: URL, options: { readonly allowPrivate: boolean; readonly resolve: Resolver }): Promise<AddressCheck> {
  const host = hostOf(url);
  let addresses: readonly string[];
  try {
    addresses = isIP(host) ? [host] : await options.resolve(host);
  } catch (error) {
    throw new DestinationRefused(`the host ${host} cannot be resolved (${(error as NodeJS.ErrnoException).code ?? 'DNS error'})`);
  }
  if (addresses.length === 0) throw new DestinationRefused(`the host ${host} resolves to no address`);
  if (!options.allowPrivate) {
    const blocked = addresses.find(isPrivateAddress);
    if (blocked !== undefined) {
      throw new DestinationRefused(
        `${host} resolves to ${blocked}, a loopback, private, link-local or reserved address; webhooks deliver to public addresses only (an operator can allow private ones with SCIM_WEBHOOKS_ALLOW_PRIVATE=true)`,
      );
    }
  }
  return { addresses };
}

/** A destination a webhook may not reach; the message says why and what to do. */
export class DestinationRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DestinationRefused';
  }
}
