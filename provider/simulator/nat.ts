import { hnsObjectExists, hnsParameterIncorrect, hnsUnspecified } from "./errors";
import { newGuid } from "./ids";
import {
    formatIpv4Prefix,
    type Ipv4Prefix,
    parseIpv4Prefix,
    prefixContainsPrefix,
    prefixesOverlap,
} from "./ipv4";
import type { HostState, WinNat } from "./model";
import type { HostProfile } from "./profiles";
import { isNatVnic } from "./switches";

/**
 * NAT rules of Windows hosts, per the profile's NAT model. On WS2016 HNS backs NAT networks with
 * one WinNAT: it creates the WinNAT with the first NAT network and removes it with the last. With
 * a current engine, NAT networks are partitions of that WinNAT's internal prefix. With Docker
 * before 1.13 there is only one NAT network. On WS2019 and later HNS keeps NAT state itself, so
 * NAT networks only have to stay clear of each other, of other HNS subnets and of host addresses.
 */

/**
 * Internal prefix of the WinNAT that HNS creates for the default `nat` network when daemon.json
 * sets no `fixed-cidr`, and the pool HNS picks NAT subnets from on WS2019 and later.
 * NOTE: 172.16.0.0/12 is the example prefix of Microsoft's container networking page. A posted
 * WS2016 `Get-NetNat` shows a WinNAT whose prefix is the default network's own /20
 * (172.25.16.0/20) instead, so real hosts may leave no room for partitions next to it.
 */
export const DEFAULT_WINNAT_PREFIX = parseIpv4Prefix("172.16.0.0/12") as Ipv4Prefix;

/** Size of a subnet HNS picks. */
const NAT_BLOCK_PREFIX_LENGTH = 20;

/** First block tried, the subnet a real WS2016 host showed for its default NAT network. */
const FIRST_NAT_BLOCK = parseIpv4Prefix("172.25.16.0/20") as Ipv4Prefix;

/** The parts of a NAT network request that the NAT rules look at. */
export interface NatRequest {
    /** Requested subnet, or null to let HNS pick one. */
    subnet: Ipv4Prefix | null;
    /**
     * Internal prefix of the WinNAT that HNS creates with this network when none is active, on
     * WinNAT hosts. Null means the network's own subnet.
     */
    winNatPrefix: Ipv4Prefix | null;
}

function parsedPrefixes(texts: string[]): Ipv4Prefix[] {
    return texts
        .map((text) => parseIpv4Prefix(text))
        .filter((prefix): prefix is Ipv4Prefix => prefix !== null);
}

function hasNatNetwork(state: HostState): boolean {
    return state.hnsNetworks.some((network) => network.type === "nat");
}

function natSubnets(state: HostState): Ipv4Prefix[] {
    return parsedPrefixes(
        state.hnsNetworks
            .filter((network) => network.type === "nat")
            .flatMap((network) => network.subnets.map((subnet) => subnet.addressPrefix)),
    );
}

/** Subnets of HNS networks other than NAT ones, such as transparent and l2bridge networks. */
function otherHnsSubnets(state: HostState): Ipv4Prefix[] {
    return parsedPrefixes(
        state.hnsNetworks
            .filter((network) => network.type !== "nat")
            .flatMap((network) => network.subnets.map((subnet) => subnet.addressPrefix)),
    );
}

/** Host adapter subnets, leaving out the NAT gateways that the NAT networks already account for. */
export function hostAdapterPrefixes(state: HostState): Ipv4Prefix[] {
    return parsedPrefixes(
        state.adapters
            .filter((adapter) => !isNatVnic(adapter))
            .flatMap((adapter) => adapter.ipv4Addresses)
            .map((assignment) => `${assignment.address}/${assignment.prefixLength}`),
    );
}

function overlapsAny(prefixes: Ipv4Prefix[], candidate: Ipv4Prefix): boolean {
    return prefixes.some((prefix) => prefixesOverlap(prefix, candidate));
}

/** Returns the active WinNAT, whose internal prefix all NAT networks of a WS2016 host share. */
export function activeWinNat(state: HostState): WinNat | undefined {
    return state.winNats.find((candidate) => candidate.active);
}

function activeWinNatPrefix(state: HostState): Ipv4Prefix | null {
    const winNat = activeWinNat(state);
    return winNat === undefined ? null : parseIpv4Prefix(winNat.internalIPInterfaceAddressPrefix);
}

/** Subnet and WinNAT prefix that HNS settled on for a new NAT network. */
export interface NatPlacement {
    subnet: Ipv4Prefix;
    /** Internal prefix of a WinNAT to create with the network, or null when none is created. */
    newWinNatPrefix: Ipv4Prefix | null;
}

/**
 * Picks the subnet of a new NAT network and checks it the way the profile's HNS does. Throws
 * the HNS error when HNS would reject the request. Changes nothing: the caller applies the
 * placement with addWinNat once the whole network is valid.
 */
export function placeNatNetwork(state: HostState, profile: HostProfile, request: NatRequest): NatPlacement {
    switch (profile.natModel) {
        case "winnat-single":
            return placeSingleWinNatNetwork(state, profile, request);
        case "winnat-partitions":
            return placeWinNatPartition(state, profile, request);
        case "hns":
            return placeHnsNatNetwork(state, profile, request);
    }
}

/**
 * Docker before 1.13 on WS2016: a NAT network needs a host without any other NAT network or
 * WinNAT, or HNS fails with "Unspecified error". The posted case shows a leftover WinNAT alone is
 * enough: the error clears after `Get-NetNat | Remove-NetNat` and returns with the next network.
 */
function placeSingleWinNatNetwork(state: HostState, profile: HostProfile, request: NatRequest): NatPlacement {
    if (hasNatNetwork(state) || activeWinNat(state) !== undefined) {
        throw hnsUnspecified();
    }
    return placeWithNewWinNat(state, profile, request);
}

/**
 * WS2016 with a current engine: a NAT network must lie inside the active WinNAT's internal prefix
 * and must not overlap another NAT network or a host address. Without an active WinNAT, HNS
 * creates one with the network.
 */
function placeWinNatPartition(state: HostState, profile: HostProfile, request: NatRequest): NatPlacement {
    const winNatPrefix = activeWinNatPrefix(state);
    if (winNatPrefix === null) {
        return placeWithNewWinNat(state, profile, request);
    }
    // Partitions are carved from the NAT network that spans the whole WinNAT prefix, so it does
    // not count as an overlap. That is the default network after fixed-cidr, or on a posted WS2016
    // host the /20 that was both the default subnet and the WinNAT prefix.
    const partitions = natSubnets(state).filter(
        (prefix) =>
            !(prefix.network === winNatPrefix.network && prefix.prefixLength === winNatPrefix.prefixLength),
    );
    const subnet = request.subnet ?? allocateNatSubnet(state, profile, winNatPrefix);
    if (!prefixContainsPrefix(winNatPrefix, subnet)) {
        throw hnsParameterIncorrect(profile);
    }
    if (overlapsAny(partitions, subnet)) {
        throw hnsObjectExists();
    }
    if (overlapsAny(hostAdapterPrefixes(state), subnet)) {
        throw hnsParameterIncorrect(profile);
    }
    return { subnet, newWinNatPrefix: null };
}

/**
 * Places the first NAT network of a WinNAT host. HNS rejects a WinNAT prefix that overlaps a host
 * address with "The parameter is incorrect", as `New-NetNat` does (Windows System Error 87).
 */
function placeWithNewWinNat(state: HostState, profile: HostProfile, request: NatRequest): NatPlacement {
    const pool = request.winNatPrefix ?? request.subnet ?? DEFAULT_WINNAT_PREFIX;
    const subnet = request.subnet ?? allocateNatSubnet(state, profile, pool);
    const newWinNatPrefix = request.winNatPrefix ?? subnet;
    if (overlapsAny(natSubnets(state), subnet)) {
        throw hnsObjectExists();
    }
    const hostPrefixes = hostAdapterPrefixes(state);
    if (overlapsAny(hostPrefixes, subnet) || overlapsAny(hostPrefixes, newWinNatPrefix)) {
        throw hnsParameterIncorrect(profile);
    }
    return { subnet, newWinNatPrefix };
}

/**
 * WS2019 and later: a NAT network that overlaps another NAT network fails with "The object
 * already exists", and one that overlaps a host address with "The parameter is incorrect".
 */
function placeHnsNatNetwork(state: HostState, profile: HostProfile, request: NatRequest): NatPlacement {
    const subnet = request.subnet ?? allocateNatSubnet(state, profile, DEFAULT_WINNAT_PREFIX);
    if (overlapsAny(natSubnets(state), subnet)) {
        throw hnsObjectExists();
    }
    if (overlapsAny(hostAdapterPrefixes(state), subnet)) {
        throw hnsParameterIncorrect(profile);
    }
    // NOTE: inferred, not seen on a host: HNS keeps one subnet pool for all network types, so an
    // overlap with a transparent or l2bridge subnet is taken to fail like a NAT overlap.
    if (overlapsAny(otherHnsSubnets(state), subnet)) {
        throw hnsObjectExists();
    }
    return { subnet, newWinNatPrefix: null };
}

/**
 * Picks a free /20 (or the whole pool when it is smaller) the way HNS does when no subnet is
 * requested. It starts at 172.25.16.0/20 when the pool contains it, and keeps clear of HNS
 * subnets and host addresses. Throws "The parameter is incorrect" when the pool is full.
 */
function allocateNatSubnet(state: HostState, profile: HostProfile, pool: Ipv4Prefix): Ipv4Prefix {
    const blockLength = Math.max(pool.prefixLength, NAT_BLOCK_PREFIX_LENGTH);
    const blockSize = 2 ** (32 - blockLength);
    const blockCount = 2 ** (blockLength - pool.prefixLength);
    const first = prefixContainsPrefix(pool, FIRST_NAT_BLOCK)
        ? (FIRST_NAT_BLOCK.network - pool.network) / blockSize
        : 0;
    const occupied = [...natSubnets(state), ...otherHnsSubnets(state), ...hostAdapterPrefixes(state)];
    for (let offset = 0; offset < blockCount; offset += 1) {
        const network = (pool.network + ((first + offset) % blockCount) * blockSize) >>> 0;
        const candidate: Ipv4Prefix = { network, prefixLength: blockLength, address: network };
        if (!overlapsAny(occupied, candidate)) {
            return candidate;
        }
    }
    throw hnsParameterIncorrect(profile);
}

/** Creates the WinNAT of a placement, named `H<guid>` as WS2016 hosts name them. */
export function addWinNat(state: HostState, placement: NatPlacement): void {
    if (placement.newWinNatPrefix === null) {
        return;
    }
    state.winNats.push({
        name: `H${newGuid().toLowerCase()}`,
        internalIPInterfaceAddressPrefix: formatIpv4Prefix(placement.newWinNatPrefix),
        active: true,
    });
}

/**
 * Removes the active WinNAT once the last NAT network is gone, as HNS does on WinNAT hosts.
 * Hosts that keep NAT state in HNS have no WinNAT of HNS's to remove.
 */
export function removeWinNatIfUnused(state: HostState, profile: HostProfile): void {
    if (profile.natModel === "hns" || hasNatNetwork(state)) {
        return;
    }
    state.winNats = state.winNats.filter((winNat) => !winNat.active);
}
