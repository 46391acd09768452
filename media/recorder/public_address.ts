/**
 * Which hosts and addresses a server-side request for a user may reach (SSRF guard): only
 * public unicast addresses, after resolving the name. Used by `DirectUrlResolver`
 * (url_source.ts) before a pull starts and by `EgressGuardProxy` (egress_guard.ts) on every
 * request ffmpeg makes.
 */
import { lookup } from "node:dns/promises";
import { MediaError } from "../errors.ts";

function isIpLiteral(h: string): boolean {
  return parseIPv4(h) !== undefined || parseIPv6(h) !== undefined;
}

function parseIPv4(s: string): number[] | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  if (!m) return undefined;
  const parts = m.slice(1).map(Number);
  return parts.every((n) => n <= 255) ? parts : undefined;
}

/** Eight 16-bit groups, or undefined (accepts `::` and a dotted IPv4 tail). */
function parseIPv6(input: string): number[] | undefined {
  let s = input.replace(/%.*$/, ""); // zone id
  if (!s.includes(":")) return undefined;
  const tail = /(\d{1,3}(?:\.\d{1,3}){3})$/.exec(s);
  if (tail) {
    const v4 = parseIPv4(tail[1]);
    if (!v4) return undefined;
    s = s.slice(0, -tail[1].length) +
      `${((v4[0] << 8) | v4[1]).toString(16)}:${((v4[2] << 8) | v4[3]).toString(16)}`;
  }
  const halves = s.split("::");
  if (halves.length > 2) return undefined;
  const groups = (part: string) => part === "" ? [] : part.split(":");
  const head = groups(halves[0]);
  const rest = halves.length === 2 ? groups(halves[1]) : [];
  const fill = halves.length === 2 ? 8 - head.length - rest.length : 0;
  if (fill < 0 || (halves.length === 1 && head.length !== 8)) return undefined;
  const all = [...head, ...Array(fill).fill("0"), ...rest];
  if (all.length !== 8 || !all.every((g) => /^[0-9a-f]{1,4}$/i.test(g))) return undefined;
  return all.map((g) => parseInt(g, 16));
}

function isPublicIPv4([a, b, c]: number[]): boolean {
  return !(
    a === 0 || // "this network", unspecified
    a === 10 || // private
    a === 127 || // loopback
    (a === 100 && b >= 64 && b <= 127) || // CGNAT 100.64/10
    (a === 169 && b === 254) || // link-local (cloud metadata)
    (a === 172 && b >= 16 && b <= 31) || // private
    (a === 192 && b === 168) || // private
    (a === 192 && b === 0 && c === 0) || // IETF protocol assignments
    (a === 198 && (b === 18 || b === 19)) || // benchmarking
    a >= 224 // multicast, reserved, broadcast
  );
}

/**
 * Whether an address (IPv4 or IPv6 literal) is a public unicast address. Refused: private,
 * loopback, link-local, unique-local (fc00::/7), CGNAT (100.64/10), unspecified, multicast,
 * reserved, and IPv4 addresses embedded in IPv6 (mapped `::ffff:a.b.c.d`, compatible
 * `::a.b.c.d`, NAT64 `64:ff9b::/96`) when the embedded address is not public. Anything that
 * does not parse is not public.
 */
export function isPublicAddress(address: string): boolean {
  const h = address.replace(/^\[|\]$/g, "").toLowerCase();
  const v4 = parseIPv4(h);
  if (v4) return isPublicIPv4(v4);
  const g = parseIPv6(h);
  if (!g) return false;
  const embedded = [g[6] >> 8, g[6] & 0xff, g[7] >> 8, g[7] & 0xff];
  const zeros = (n: number) => g.slice(0, n).every((x) => x === 0);
  if (zeros(5) && g[5] === 0xffff) return isPublicIPv4(embedded); // ::ffff:0:0/96 mapped
  if (zeros(6)) return false; // ::, ::1 and IPv4-compatible ::/96
  if (g[0] === 0x64 && g[1] === 0xff9b && g.slice(2, 6).every((x) => x === 0)) {
    return isPublicIPv4(embedded); // NAT64 64:ff9b::/96
  }
  if ((g[0] & 0xfe00) === 0xfc00) return false; // unique-local fc00::/7
  if ((g[0] & 0xffc0) === 0xfe80 || (g[0] & 0xffc0) === 0xfec0) return false; // link/site-local
  if ((g[0] & 0xff00) === 0xff00) return false; // multicast
  if (g[0] === 0x2001 && g[1] === 0x0db8) return false; // documentation
  return true;
}

/** A host name's addresses (IPv4 and IPv6); injectable so tests need no system files. */
export type HostLookup = (hostname: string) => Promise<string[]>;

/**
 * The system resolver (getaddrinfo: /etc/hosts, then DNS, as nsswitch says): the same one
 * ffmpeg uses to connect, so the addresses checked are the ones it would reach.
 * (`Deno.resolveDns` asks DNS servers only and would miss names in /etc/hosts.)
 */
export const systemLookup: HostLookup = async (hostname) =>
  (await lookup(hostname, { all: true, verbatim: true })).map((a) => a.address);

/**
 * Refuses (`url_forbidden`, 403) a URL whose host is, or resolves to, any address that is
 * not public; `url_unresolvable` (400) when the name does not resolve.
 */
export async function assertPublicHost(
  url: URL,
  lookupHost: HostLookup,
  allowAddress: (address: string) => boolean = isPublicAddress,
): Promise<void> {
  const forbidden = () =>
    new MediaError("url_forbidden", "stream URLs on private networks are not recorded", 403);
  const host = url.hostname.replace(/^\[|\]$/g, "").replace(/\.$/, "").toLowerCase();
  if (isIpLiteral(host)) {
    if (!allowAddress(host)) throw forbidden();
    return;
  }
  // RFC 6761: *.localhost is loopback whether or not /etc/hosts lists it; "localhost"
  // itself is looked up like any name (it is in /etc/hosts).
  if (host.endsWith(".localhost")) throw forbidden();
  let addresses: string[];
  try {
    addresses = await lookupHost(host);
  } catch {
    addresses = [];
  }
  if (addresses.length === 0) {
    throw new MediaError("url_unresolvable", `stream host ${host} does not resolve`);
  }
  if (!addresses.every(allowAddress)) throw forbidden();
}
