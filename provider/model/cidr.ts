import * as ipaddr from "ipaddr.js";

/** An IPv4 prefix in canonical form: the network address and the prefix length. */
export interface Ipv4Prefix {
    /** Canonical text, for example `172.16.0.0/12`. */
    cidr: string;
    network: ipaddr.IPv4;
    prefixLength: number;
}

/** The outcome of parsing a CIDR the user wrote. */
export type CidrParse =
    | { kind: "ok"; prefix: Ipv4Prefix }
    | { kind: "ipv6" }
    | { kind: "malformed" }
    | { kind: "host-bits"; canonical: string };

/**
 * Parses IPv4 CIDR text strictly: four decimal octets and a prefix length from 0 to 32, all
 * without leading zeros. Text with host bits set (`172.22.16.0/16`) is reported with its canonical form so
 * that a message can offer the fix.
 */
export function parseCidr(text: string): CidrParse {
    const trimmed = text.trim();
    if (trimmed.includes(":")) {
        return looksLikeIpv6Cidr(trimmed) ? { kind: "ipv6" } : { kind: "malformed" };
    }
    const match = /^(\d{1,3}(?:\.\d{1,3}){3})\/(0|[1-9]\d?)$/.exec(trimmed);
    if (!match || !isStrictIpv4(match[1])) {
        return { kind: "malformed" };
    }
    const prefixLength = Number(match[2]);
    if (prefixLength > 32) {
        return { kind: "malformed" };
    }
    const address = ipaddr.IPv4.parse(match[1]);
    const network = networkAddress(address, prefixLength);
    const cidr = `${network.toString()}/${prefixLength}`;
    if (network.toString() !== address.toString()) {
        return { kind: "host-bits", canonical: cidr };
    }
    return { kind: "ok", prefix: { cidr, network, prefixLength } };
}

/**
 * Parses CIDR text and drops host bits instead of failing, for values read from a host
 * (`Get-NetNat` can report `172.31.0.1/20`). Returns undefined for anything that is not IPv4 CIDR.
 */
export function normalizeCidr(text: string): Ipv4Prefix | undefined {
    const parsed = parseCidr(text);
    if (parsed.kind === "ok") {
        return parsed.prefix;
    }
    if (parsed.kind === "host-bits") {
        const again = parseCidr(parsed.canonical);
        return again.kind === "ok" ? again.prefix : undefined;
    }
    return undefined;
}

/** Parses a dotted-quad IPv4 address strictly; undefined when it is not one. */
export function parseIpv4(text: string): ipaddr.IPv4 | undefined {
    const trimmed = text.trim();
    return isStrictIpv4(trimmed) ? ipaddr.IPv4.parse(trimmed) : undefined;
}

/** True when the text is an IPv6 address (with or without a prefix length). */
export function isIpv6Text(text: string): boolean {
    return looksLikeIpv6Cidr(text.trim()) || ipaddr.IPv6.isValid(text.trim());
}

export function containsAddress(prefix: Ipv4Prefix, address: ipaddr.IPv4): boolean {
    return address.match(prefix.network, prefix.prefixLength);
}

/** True when every address of `inner` lies inside `outer`. */
export function containsPrefix(outer: Ipv4Prefix, inner: Ipv4Prefix): boolean {
    return inner.prefixLength >= outer.prefixLength && containsAddress(outer, inner.network);
}

export function prefixesOverlap(a: Ipv4Prefix, b: Ipv4Prefix): boolean {
    return containsPrefix(a, b) || containsPrefix(b, a);
}

/** Returns the all-ones address of the prefix. */
export function broadcastAddress(prefix: Ipv4Prefix): ipaddr.IPv4 {
    return ipaddr.IPv4.broadcastAddressFromCIDR(prefix.cidr);
}

/** Returns the first usable address (network + 1), the usual gateway. */
export function firstHostAddress(prefix: Ipv4Prefix): ipaddr.IPv4 {
    return offsetAddress(prefix.network, 1);
}

/** True for the unspecified prefix `0.0.0.0/0`, which Windows reports when it chose nothing. */
export function isUnspecifiedPrefix(prefix: Ipv4Prefix): boolean {
    return prefix.prefixLength === 0;
}

/** True when the prefix lies wholly inside the RFC 1918 private ranges. */
export function isPrivatePrefix(prefix: Ipv4Prefix): boolean {
    return PRIVATE_RANGES.some((range) => containsPrefix(range, prefix));
}

const PRIVATE_RANGES: Ipv4Prefix[] = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"].map(
    (cidr) => normalizeCidr(cidr) as Ipv4Prefix,
);

function networkAddress(address: ipaddr.IPv4, prefixLength: number): ipaddr.IPv4 {
    const value = toNumber(address);
    const mask = prefixLength === 0 ? 0 : (0xffffffff << (32 - prefixLength)) >>> 0;
    return fromNumber((value & mask) >>> 0);
}

function offsetAddress(address: ipaddr.IPv4, offset: number): ipaddr.IPv4 {
    return fromNumber((toNumber(address) + offset) >>> 0);
}

function toNumber(address: ipaddr.IPv4): number {
    return address.octets.reduce((value, octet) => value * 256 + octet, 0);
}

function fromNumber(value: number): ipaddr.IPv4 {
    return new ipaddr.IPv4([(value >>> 24) & 255, (value >>> 16) & 255, (value >>> 8) & 255, value & 255]);
}

function isStrictIpv4(text: string): boolean {
    const parts = text.split(".");
    return (
        parts.length === 4 && parts.every((part) => /^(0|[1-9]\d{0,2})$/.test(part) && Number(part) <= 255)
    );
}

function looksLikeIpv6Cidr(text: string): boolean {
    const [address, length] = text.split("/");
    return ipaddr.IPv6.isValid(address) && (length === undefined || /^\d{1,3}$/.test(length));
}
