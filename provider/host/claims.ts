import { normalizeCidr, prefixesOverlap } from "../model/cidr";

/** A network name and subnet that one resource declared for a host during this provider process. */
interface Claim {
    owner: string;
    name: string;
    subnet?: string;
}

const claimsByHost = new Map<string, Claim[]>();

/** Conflicts of a claim: another resource with the same name, or overlapping subnets. */
export interface ClaimConflicts {
    /** Owner of another resource that declares the same network name on the host. */
    sameName?: string;
    /** Other resources on the host whose subnets overlap this one. */
    overlapping: Claim[];
}

/**
 * Records that `owner` declares network `name` (and `subnet`) on the host identified by `hostKey`,
 * and returns the claims of other owners it conflicts with. One provider process serves one Pulumi
 * operation, so the claims are those of the resources checked in the same preview or update, which
 * lets check report two resources of one stack that would collide before either is created.
 */
export function claimNetwork(hostKey: string, claim: Claim): ClaimConflicts {
    const claims = claimsByHost.get(hostKey) ?? [];
    const others = claims.filter((existing) => existing.owner !== claim.owner);
    claimsByHost.set(hostKey, [...others, claim]);

    const prefix = claim.subnet === undefined ? undefined : normalizeCidr(claim.subnet);
    const overlapping = others.filter((other) => {
        const otherPrefix = other.subnet === undefined ? undefined : normalizeCidr(other.subnet);
        return prefix !== undefined && otherPrefix !== undefined && prefixesOverlap(prefix, otherPrefix);
    });
    return { sameName: others.find((other) => other.name === claim.name)?.owner, overlapping };
}

/** Hosts whose HostNatConfig was checked in this process with changes not applied yet. */
const pendingNatChanges = new Set<string>();

/**
 * Records whether a HostNatConfig checked in this operation will change the host's default NAT
 * network, so that NAT partitions checked after it do not judge the host as it is before the change.
 */
export function setPendingNatChange(hostKey: string, pending: boolean): void {
    if (pending) {
        pendingNatChanges.add(hostKey);
    } else {
        pendingNatChanges.delete(hostKey);
    }
}

export function hasPendingNatChange(hostKey: string): boolean {
    return pendingNatChanges.has(hostKey);
}

/** Owners of the HostNatConfig resources checked for each host in this process. */
const hostNatOwners = new Map<string, string>();

/**
 * Records that `owner` configures the default NAT of the host identified by `hostKey`, and
 * returns the owner of another HostNatConfig that already did in this operation.
 */
export function claimHostNatConfig(hostKey: string, owner: string): string | undefined {
    const existing = hostNatOwners.get(hostKey);
    if (existing !== undefined && existing !== owner) {
        return existing;
    }
    hostNatOwners.set(hostKey, owner);
    return undefined;
}

/** Forgets every claim; for tests that run several stacks in one process. */
export function resetClaims(): void {
    claimsByHost.clear();
    pendingNatChanges.clear();
    hostNatOwners.clear();
    resetUplinkClaims();
}

/** Subnets other owners claimed for the host in this process, for allocation to stay clear of. */
export function claimedSubnets(hostKey: string, exceptOwner: string): string[] {
    return (claimsByHost.get(hostKey) ?? [])
        .filter((claim) => claim.owner !== exceptOwner && claim.subnet !== undefined)
        .map((claim) => claim.subnet as string);
}

/** An uplink adapter (and the binding's switch, when there is one) that one network declared for a host. */
interface UplinkClaim {
    owner: string;
    adapterName?: string;
    switchName?: string;
}

const uplinksByHost = new Map<string, UplinkClaim[]>();

/**
 * Records that `owner` puts an external-switch network on `adapterName` (and on `switchName`, for a
 * network on a VSwitchBinding) of the host identified by `hostKey`. Returns the claims of other
 * owners in this operation on the same adapter or switch, with names compared without case,
 * because each transparent, l2bridge or l2tunnel network needs its own adapter.
 */
export function claimUplink(hostKey: string, claim: UplinkClaim): UplinkClaim[] {
    const claims = uplinksByHost.get(hostKey) ?? [];
    const others = claims.filter((existing) => existing.owner !== claim.owner);
    uplinksByHost.set(hostKey, [...others, claim]);
    const same = (left?: string, right?: string) =>
        left !== undefined && right !== undefined && left.toLowerCase() === right.toLowerCase();
    return others.filter(
        (other) => same(other.adapterName, claim.adapterName) || same(other.switchName, claim.switchName),
    );
}

/** Forgets every uplink claim; for tests that run several stacks in one process. */
export function resetUplinkClaims(): void {
    uplinksByHost.clear();
}
