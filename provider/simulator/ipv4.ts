import ipaddr from "ipaddr.js";

/** An IPv4 prefix with its addresses as unsigned 32-bit integers. */
export interface Ipv4Prefix {
    /** Network address (host bits cleared). */
    network: number;
    prefixLength: number;
    /** The address as written, which may have host bits set (for example `172.31.0.1/20`). */
    address: number;
}

/** Parses a dotted-quad IPv4 address into an unsigned integer, or returns null when it is not one. */
export function parseIpv4(text: string): number | null {
    if (!ipaddr.IPv4.isValidFourPartDecimal(text)) {
        return null;
    }
    const octets = ipaddr.IPv4.parse(text).octets;
    return ((octets[0] << 24) | (octets[1] << 16) | (octets[2] << 8) | octets[3]) >>> 0;
}

export function formatIpv4(value: number): string {
    return [value >>> 24, (value >>> 16) & 255, (value >>> 8) & 255, value & 255].join(".");
}

/** Returns true for any text that parses as an IPv6 address or prefix. */
export function isIpv6Text(text: string): boolean {
    const address = text.split("/")[0];
    return ipaddr.IPv6.isValid(address);
}

function maskOf(prefixLength: number): number {
    return prefixLength === 0 ? 0 : (0xffffffff << (32 - prefixLength)) >>> 0;
}

/** Parses `a.b.c.d/n` with a four-part address, or returns null when the text is not one. */
export function parseIpv4Prefix(text: string): Ipv4Prefix | null {
    const match = /^([0-9.]+)\/(\d{1,2})$/.exec(text.trim());
    if (match === null) {
        return null;
    }
    const address = parseIpv4(match[1]);
    const prefixLength = Number(match[2]);
    if (address === null || prefixLength > 32) {
        return null;
    }
    return { network: (address & maskOf(prefixLength)) >>> 0, prefixLength, address };
}

/** Formats the network form of a prefix, with host bits cleared. */
export function formatIpv4Prefix(prefix: Ipv4Prefix): string {
    return `${formatIpv4(prefix.network)}/${prefix.prefixLength}`;
}

export function lastAddress(prefix: Ipv4Prefix): number {
    return (prefix.network | (~maskOf(prefix.prefixLength) >>> 0)) >>> 0;
}

export function prefixContainsAddress(prefix: Ipv4Prefix, address: number): boolean {
    return (address & maskOf(prefix.prefixLength)) >>> 0 === prefix.network;
}

/** Returns true when `inner` lies wholly inside `outer`. */
export function prefixContainsPrefix(outer: Ipv4Prefix, inner: Ipv4Prefix): boolean {
    return inner.prefixLength >= outer.prefixLength && prefixContainsAddress(outer, inner.network);
}

export function prefixesOverlap(a: Ipv4Prefix, b: Ipv4Prefix): boolean {
    return prefixContainsPrefix(a, b) || prefixContainsPrefix(b, a);
}

/** Returns the `index`-th address of the prefix, counting the network address as 0. */
export function nthAddress(prefix: Ipv4Prefix, index: number): number {
    return (prefix.network + index) >>> 0;
}
