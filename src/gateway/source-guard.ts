/**
 * The optional allow-list of webhook sources. The caller is the socket's peer, unless that peer is
 * a trusted proxy: then X-Forwarded-For is read from the right, skipping trusted proxies, and the
 * first other address is the caller (the left part of the header is whatever the client wrote).
 */
import { BlockList, isIP } from "node:net";

export interface SourceGuardOptions {
  enabled: boolean;
  allowedNetworks: readonly string[];
  trustedProxies: readonly string[];
}

export interface SourceGuard {
  /** The caller's address, or undefined when it cannot be told. */
  clientAddress(peer: string | undefined, forwardedFor: string | string[] | undefined): string | undefined;
  /** True when the allow-list is off, or the caller is in an allowed network. */
  allows(peer: string | undefined, forwardedFor: string | string[] | undefined): boolean;
}

/** `::ffff:1.2.3.4` (IPv4 on a dual-stack socket) is plain 1.2.3.4. */
function normalise(address: string): string {
  const trimmed = address.trim();
  return trimmed.toLowerCase().startsWith("::ffff:") && isIP(trimmed.slice(7)) === 4 ? trimmed.slice(7) : trimmed;
}

export function blockListOf(networks: readonly string[]): BlockList {
  const list = new BlockList();
  for (const network of networks) {
    const [address = "", prefix] = network.split("/");
    const family = isIP(address);
    if (family === 0) throw new Error(`not an IP address or CIDR network: ${JSON.stringify(network)}`);
    const type = family === 4 ? "ipv4" : "ipv6";
    if (prefix === undefined) list.addAddress(address, type);
    else list.addSubnet(address, Number(prefix), type);
  }
  return list;
}

function contains(list: BlockList, address: string): boolean {
  const family = isIP(address);
  return family !== 0 && list.check(address, family === 4 ? "ipv4" : "ipv6");
}

export function createSourceGuard(options: SourceGuardOptions): SourceGuard {
  const allowed = blockListOf(options.allowedNetworks);
  const trusted = blockListOf(options.trustedProxies);
  const clientAddress: SourceGuard["clientAddress"] = (peer, forwardedFor) => {
    if (peer === undefined) return undefined;
    let client = normalise(peer);
    if (!contains(trusted, client)) return client;
    const header = Array.isArray(forwardedFor) ? forwardedFor.join(",") : (forwardedFor ?? "");
    const hops = header.split(",").map(normalise).filter((hop) => hop !== "");
    for (let i = hops.length - 1; i >= 0; i--) {
      client = hops[i] ?? client;
      if (!contains(trusted, client)) break;
    }
    return client;
  };
  return {
    clientAddress,
    allows(peer, forwardedFor) {
      if (!options.enabled) return true;
      const client = clientAddress(peer, forwardedFor);
      return client !== undefined && contains(allowed, client);
    },
  };
}
