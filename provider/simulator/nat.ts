import { hnsObjectExists, hnsParameterIncorrect, hnsUnspecified } from "./errors";
import { newGuid } from "./ids";
import {
    formatIpv4Prefix,
    type Ipv4Prefix,
    parseIpv4Prefix,
    prefixContainsPrefix,
    prefixesOverlap,
} from "./ipv4";
import type { HostState } from "./model";
import type { HostProfile } from "./profiles";
import { isNatVnic } from "./switches";

/**
 * NAT rules of Windows hosts. On WS2016 there is one WinNAT, and the one NAT network must lie in
 * its internal prefix. On WS2019 and later HNS keeps NAT state itself, so NAT networks only have
 * to stay clear of each other and of host addresses.
 */

/** Pool HNS picks NAT subnets from when the request names none. */
const NAT_POOL = parseIpv4Prefix("172.16.0.0/12") as Ipv4Prefix;

/** Size of a subnet HNS picks. */
const NAT_BLOCK_PREFIX_LENGTH = 20;

/** First block tried, the subnet a real WS2016 host showed for its default NAT network. */
const FIRST_NAT_BLOCK = parseIpv4Prefix("172.25.16.0/20") as Ipv4Prefix;

function natSubnets(state: HostState): Ipv4Prefix[] {
    return state.hnsNetworks
        .filter((network) => network.type === "nat")
        .flatMap((network) => network.subnets)
        .map((subnet) => parseIpv4Prefix(subnet.addressPrefix))
        .filter((prefix): prefix is Ipv4Prefix => prefix !== null);
}

/** Host adapter subnets, leaving out the NAT gateways that the NAT networks already account for. */
export function hostAdapterPrefixes(state: HostState): Ipv4Prefix[] {
    return state.adapters
        .filter((adapter) => !isNatVnic(adapter))
        .flatMap((adapter) => adapter.ipv4Addresses)
        .map((assignment) => parseIpv4Prefix(`${assignment.address}/${assignment.prefixLength}`))
        .filter((prefix): prefix is Ipv4Prefix => prefix !== null);
}

/** Returns the WinNAT internal prefix NAT networks must fit in, or null when there is none. */
function winNatPrefix(state: HostState): Ipv4Prefix | null {
    const winNat = state.winNats.find((candidate) => candidate.active);
    return winNat === undefined ? null : parseIpv4Prefix(winNat.internalIPInterfaceAddressPrefix);
}

/**
 * Rejects a NAT subnet the host's HNS would reject, with the error HNS gives. On WS2016 a second
 * NAT network fails with "Unspecified error", and a subnet outside the WinNAT prefix with "The
 * parameter is incorrect". On later hosts an overlap with another NAT network fails with "The
 * object already exists". An overlap with a host address fails with "The parameter is incorrect".
 */
export function checkNatSubnet(state: HostState, profile: HostProfile, subnet: Ipv4Prefix): void {
    if (profile.singleNatNetwork) {
        if (state.hnsNetworks.some((network) => network.type === "nat")) {
            throw hnsUnspecified();
        }
        const prefix = winNatPrefix(state);
        if (prefix !== null && !prefixContainsPrefix(prefix, subnet)) {
            throw hnsParameterIncorrect(profile);
        }
    } else if (natSubnets(state).some((existing) => prefixesOverlap(existing, subnet))) {
        throw hnsObjectExists();
    }
    if (hostAdapterPrefixes(state).some((hostPrefix) => prefixesOverlap(hostPrefix, subnet))) {
        throw hnsParameterIncorrect(profile);
    }
}

/**
 * Picks a free /20 the way HNS does when no subnet is requested: inside the WinNAT prefix when
 * there is one, otherwise inside 172.16.0.0/12, clear of NAT networks and host addresses.
 */
export function allocateNatSubnet(state: HostState, profile: HostProfile): Ipv4Prefix {
    const pool = winNatPrefix(state) ?? NAT_POOL;
    const blockLength = Math.max(pool.prefixLength, NAT_BLOCK_PREFIX_LENGTH);
    const blockSize = 2 ** (32 - blockLength);
    const blockCount = 2 ** (blockLength - pool.prefixLength);
    const first = prefixContainsPrefix(pool, FIRST_NAT_BLOCK)
        ? (FIRST_NAT_BLOCK.network - pool.network) / blockSize
        : 0;
    const occupied = [...natSubnets(state), ...hostAdapterPrefixes(state)];
    for (let offset = 0; offset < blockCount; offset += 1) {
        const network = (pool.network + ((first + offset) % blockCount) * blockSize) >>> 0;
        const candidate: Ipv4Prefix = { network, prefixLength: blockLength, address: network };
        if (!occupied.some((prefix) => prefixesOverlap(prefix, candidate))) {
            return candidate;
        }
    }
    throw hnsParameterIncorrect(profile);
}

/** On a WS2016 host without a WinNAT, HNS creates one for the new NAT network's subnet. */
export function ensureWinNat(state: HostState, profile: HostProfile, subnet: Ipv4Prefix): void {
    if (!profile.singleNatNetwork || state.winNats.some((winNat) => winNat.active)) {
        return;
    }
    state.winNats.push({
        name: `H${newGuid().toLowerCase()}`,
        internalIPInterfaceAddressPrefix: formatIpv4Prefix(subnet),
        active: true,
    });
}
