/**
 * NAT address-space rules for NAT partitions: where a new `nat` network may lie on a Windows host,
 * and how a free block is allocated. On builds before 17763 (Windows Server 2016 and the Windows
 * 10 releases of that era) the host has one WinNAT, and every NAT network must be a partition of
 * its internal prefix (`Get-NetNat` `InternalIPInterfaceAddressPrefix`). From build 17763 on, HNS
 * keeps NAT state itself and `Get-NetNat` may be empty, so partitions only have to stay clear of
 * each other, of the other networks and of host addresses. No rule here does I/O.
 */
import * as ipaddr from "ipaddr.js";
import type { EngineInfo } from "../docker/engine";
import type { HostFacts } from "../host/facts";
import { type HnsNetwork, isNatNetwork } from "../host/hns";
import {
    containsAddress,
    containsPrefix,
    type Ipv4Prefix,
    isPrivatePrefix,
    isUnspecifiedPrefix,
    normalizeCidr,
    parseIpv4,
    prefixesOverlap,
} from "./cidr";
import type { FailureList } from "./failures";
import type { ObservedNetwork } from "./networkInspect";

/** `winnat` before build 17763, where Get-NetNat is authoritative; `hns` from build 17763 on. */
export type NatGeneration = "winnat" | "hns";

/** First Windows build (Windows Server 2019) on which container NAT lives in HNS. */
const FIRST_HNS_NAT_BUILD = 17763;
/** Windows Server 2016 (and Windows 10 1607): the last build where an old engine allows one NAT network. */
const LAST_SINGLE_NAT_BUILD = 14393;
/** Docker 1.13 was the first engine to create more than one NAT network on one Windows host. */
const FIRST_MULTI_NAT_ENGINE: EngineVersion = { major: 1, minor: 13, patch: 0 };
/** Windows Server 2022: from this build on, published ports on a second NAT network can hang HNS. */
const FIRST_MULTI_NAT_HANG_BUILD = 20348;
/** The engine's default NAT prefix on Windows, and the pool allocation uses when nothing narrows it. */
export const DEFAULT_NAT_POOL = "172.16.0.0/12";

/** A NAT network on the host, from Docker, HNS or both. */
export interface NatNetworkFact {
    name: string;
    /** Canonical subnet; absent when neither Docker nor HNS reports one. */
    subnet?: string;
    gateway?: string;
    source: "docker" | "hns";
    /** Lower-case HNS network id. */
    hnsId?: string;
    dockerId?: string;
}

/** An IPv4 address of a host adapter. */
export interface HostAddressFact {
    adapter: string;
    address: string;
    prefixLength: number;
}

/** The host state that the NAT rules read, for one host. */
export interface NatLayout {
    hostName: string;
    build?: number;
    engineVersion?: string;
    generation: NatGeneration;
    /** Build 14393 with an engine older than 1.13: one NAT network per host, and HNS fails a second one with "Unspecified error". */
    singleNatNetwork: boolean;
    /** The active WinNAT on winnat hosts; its prefix canonical, reportedPrefix as printed (it may carry host bits, as in `172.31.0.1/20`). */
    winNat?: { name: string; prefix: string; reportedPrefix: string };
    /** Every NAT network on the host, from Docker and HNS merged (one entry per network, matched by HNS id). */
    natNetworks: NatNetworkFact[];
    /** Subnets of non-NAT networks (Docker and HNS), with name and driver/type. */
    otherSubnets: { name: string; subnet: string; kind: string }[];
    /** Host IPv4 addresses, without the gateway addresses NAT networks put on their host vNIC. */
    hostAddresses: HostAddressFact[];
    /** False when built without PowerShell facts (Docker state only): containment and host-address rules cannot run. */
    factsAvailable: boolean;
}

/** A NAT partition about to be created: its name, and its subnet either written or allocated. */
export interface PlannedPartition {
    name: string;
    /** Absent while unknown (not allocated yet, or a nat network that lets HNS pick): only the one-NAT rule runs then. */
    subnet?: string;
    gateway?: string;
}

/** An engine version's numeric part. */
export interface EngineVersion {
    major: number;
    minor: number;
    patch: number;
}

/**
 * Parses the numeric part of a Docker engine version: `1.12.2-cs2-ws-beta`, `17.06.2-ee-16`,
 * `19.03.18` and `24.0.7` all parse, and the suffix after the numbers is ignored. Returns
 * undefined when the text does not start with `major.minor`.
 */
export function parseEngineVersion(text: string | undefined): EngineVersion | undefined {
    const match = /^v?(\d+)\.(\d+)(?:\.(\d+))?/.exec((text ?? "").trim());
    if (!match) {
        return undefined;
    }
    return { major: Number(match[1]), minor: Number(match[2]), patch: Number(match[3] ?? 0) };
}

function compareEngineVersions(a: EngineVersion, b: EngineVersion): number {
    return a.major - b.major || a.minor - b.minor || a.patch - b.patch;
}

/** Builds the layout. `facts` undefined = Docker only. Leaves out the network named `exclude` (the one being replaced/planned). */
export function natLayout(input: {
    hostName: string;
    info: EngineInfo;
    networks: ObservedNetwork[];
    facts?: HostFacts;
    exclude?: string;
}): NatLayout {
    const { hostName, info, facts, exclude } = input;
    const build = facts?.os.build ?? kernelBuild(info);
    const generation: NatGeneration = build !== undefined && build < FIRST_HNS_NAT_BUILD ? "winnat" : "hns";
    const engine = parseEngineVersion(info.serverVersion);
    const singleNatNetwork =
        build !== undefined &&
        build <= LAST_SINGLE_NAT_BUILD &&
        engine !== undefined &&
        compareEngineVersions(engine, FIRST_MULTI_NAT_ENGINE) < 0;

    const hnsNetworks = facts?.hnsNetworks ?? [];
    const excludedDocker = input.networks.filter((network) => network.name === exclude);
    const isExcludedHns = (network: HnsNetwork): boolean =>
        network.name === exclude || excludedDocker.some((docker) => matchesDocker(network, docker));
    const dockerNetworks = input.networks.filter((network) => network.name !== exclude);
    const keptHns = hnsNetworks.filter((network) => !isExcludedHns(network));

    const winNat = generation === "winnat" ? activeWinNat(facts) : undefined;
    const natNetworks = mergeNatNetworks(dockerNetworks, keptHns);
    const layout: NatLayout = {
        hostName,
        generation,
        singleNatNetwork,
        natNetworks,
        otherSubnets: mergeOtherSubnets(dockerNetworks, keptHns),
        hostAddresses: [],
        factsAvailable: facts !== undefined,
    };
    if (build !== undefined) {
        layout.build = build;
    }
    if (info.serverVersion) {
        layout.engineVersion = info.serverVersion;
    }
    if (winNat) {
        layout.winNat = winNat;
    }
    if (facts) {
        // The excluded network's gateway is still on its vNIC until it is replaced, so it counts here.
        const natPrefixes = [
            ...mergeNatNetworks(input.networks, hnsNetworks).flatMap((network) => prefixOf(network.subnet)),
            ...(winNat ? prefixOf(winNat.prefix) : []),
        ];
        layout.hostAddresses = hostAddresses(facts, natPrefixes);
    }
    return layout;
}

/** Windows build from the engine's kernel version, for example 14393 from `10.0 14393 (14393.447.amd64fre...)`. */
function kernelBuild(info: EngineInfo): number | undefined {
    const match = info.osType === "windows" ? /^\s*10\.0\s+(\d+)/.exec(info.kernelVersion) : null;
    return match ? Number(match[1]) : undefined;
}

function activeWinNat(facts: HostFacts | undefined): NatLayout["winNat"] {
    const active = (facts?.netNat ?? []).find((nat) => nat.active !== false && nat.prefix !== undefined);
    return active?.prefix === undefined
        ? undefined
        : { name: active.name, prefix: active.prefix, reportedPrefix: active.reportedPrefix };
}

/** True when the HNS network is the Docker network's: by `windowsshim.hnsid`, or by an HNS name that is the Docker id. */
function matchesDocker(hns: HnsNetwork, docker: ObservedNetwork): boolean {
    return (
        hns.id === docker.hnsId || (hns.dockerNetworkId !== undefined && hns.dockerNetworkId === docker.id)
    );
}

/**
 * Merges Docker's nat networks with HNS's NAT networks, one entry per network. A Docker subnet
 * that is unknown (`0.0.0.0/0` or absent right after the first start on Windows Server 2019) is
 * taken from the matching HNS network, which contains the prefix HNS chose.
 */
function mergeNatNetworks(docker: ObservedNetwork[], hns: HnsNetwork[]): NatNetworkFact[] {
    const hnsNat = hns.filter(isNatNetwork);
    const used = new Set<string>();
    const merged: NatNetworkFact[] = docker
        .filter((network) => network.driver === "nat")
        .map((network) => {
            const match = hnsNat.find((candidate) => matchesDocker(candidate, network));
            const fact: NatNetworkFact = { name: network.name, source: "docker", dockerId: network.id };
            const hnsSubnet = match ? knownSubnet(match) : undefined;
            const subnet = network.subnet ?? hnsSubnet?.prefix;
            const gateway = network.subnet ? network.gateway : hnsSubnet?.gateway;
            if (subnet) {
                fact.subnet = subnet;
            }
            if (gateway) {
                fact.gateway = gateway;
            }
            const hnsId = match?.id ?? network.hnsId;
            if (hnsId) {
                fact.hnsId = hnsId;
            }
            if (match) {
                used.add(match.id);
            }
            return fact;
        });
    for (const network of hnsNat.filter((candidate) => !used.has(candidate.id))) {
        const fact: NatNetworkFact = { name: network.name, source: "hns", hnsId: network.id };
        const subnet = knownSubnet(network);
        if (subnet) {
            fact.subnet = subnet.prefix;
        }
        if (subnet?.gateway) {
            fact.gateway = subnet.gateway;
        }
        merged.push(fact);
    }
    return merged;
}

/** Returns the first HNS subnet that is not the unspecified 0.0.0.0/0, which HNS shows before it picks one. */
function knownSubnet(network: HnsNetwork): HnsNetwork["subnets"][number] | undefined {
    return network.subnets.find((subnet) => prefixOf(subnet.prefix).length > 0);
}

/** Lists the subnets of every non-NAT network once, from Docker where it reports one, else from HNS. */
function mergeOtherSubnets(docker: ObservedNetwork[], hns: HnsNetwork[]): NatLayout["otherSubnets"] {
    const result: NatLayout["otherSubnets"] = [];
    const add = (name: string, subnet: string, kind: string): void => {
        // 0.0.0.0/0 is what Windows reports for DHCP transparent networks: no subnet to stay clear of.
        const [prefix] = prefixOf(subnet);
        if (prefix && !result.some((entry) => entry.subnet === prefix.cidr && entry.name === name)) {
            result.push({ name, subnet: prefix.cidr, kind });
        }
    };
    const used = new Set<string>();
    for (const network of docker.filter((candidate) => candidate.driver !== "nat")) {
        const match = hns.find((candidate) => !isNatNetwork(candidate) && matchesDocker(candidate, network));
        if (match) {
            used.add(match.id);
        }
        const subnets = network.subnet ? [network.subnet] : (match?.subnets.map((item) => item.prefix) ?? []);
        subnets.forEach((subnet) => add(network.name, subnet, network.driver));
    }
    for (const network of hns.filter((candidate) => !isNatNetwork(candidate) && !used.has(candidate.id))) {
        network.subnets.forEach((subnet) => add(network.name, subnet.prefix, network.type));
    }
    return result;
}

/**
 * Lists host IPv4 addresses, leaving out loopback and the gateway addresses that NAT networks put
 * on their host vNIC. That vNIC is `vEthernet (HNS Internal NIC)` on Windows Server 2016, and
 * `vEthernet (nat)` or `vEthernet (<network>)` later. So an address on a `vEthernet (...)` adapter
 * inside a NAT prefix belongs to that NAT network, not to the host's own networks.
 */
function hostAddresses(facts: HostFacts, natPrefixes: Ipv4Prefix[]): HostAddressFact[] {
    return facts.ipAddresses.flatMap((entry) => {
        const address = parseIpv4(entry.address);
        if (address === undefined || address.range() === "loopback") {
            return [];
        }
        const onHostVnic = /^vEthernet \(.*\)$/.test(entry.interfaceAlias);
        if (onHostVnic && natPrefixes.some((prefix) => containsAddress(prefix, address))) {
            return [];
        }
        return [{ adapter: entry.interfaceAlias, address: entry.address, prefixLength: entry.prefixLength }];
    });
}

function prefixOf(subnet: string | undefined): Ipv4Prefix[] {
    const prefix = subnet === undefined ? undefined : normalizeCidr(subnet);
    return prefix === undefined || isUnspecifiedPrefix(prefix) ? [] : [prefix];
}

/**
 * Returns the NAT networks a partition must stay clear of, with their prefixes. On winnat hosts the
 * network whose subnet is the whole WinNAT prefix (the default `nat` network) is the one partitions
 * are carved from, as in Microsoft's example of 172.16.0.0/16 and 172.17.0.0/16 inside the default
 * 172.16.0.0/12, so it is left out.
 */
function conflictingNatNetworks(layout: NatLayout): { network: NatNetworkFact; prefix: Ipv4Prefix }[] {
    return layout.natNetworks.flatMap((network) => {
        const [prefix] = prefixOf(network.subnet);
        if (prefix === undefined) {
            return [];
        }
        if (
            layout.generation === "winnat" &&
            layout.winNat !== undefined &&
            prefix.cidr === layout.winNat.prefix
        ) {
            return [];
        }
        return [{ network, prefix }];
    });
}

function hostAddressPrefix(entry: HostAddressFact): Ipv4Prefix | undefined {
    return normalizeCidr(`${entry.address}/${entry.prefixLength}`);
}

/** Adds every failure of one planned partition (path "subnet" or "gateway" or "prefixLength"), each naming the conflicting object and the fix. */
export function checkPartition(layout: NatLayout, planned: PlannedPartition, failures: FailureList): void {
    if (layout.singleNatNetwork) {
        checkSingleNatNetwork(layout, failures);
    }
    const [subnet] = prefixOf(planned.subnet);
    if (subnet === undefined) {
        // checkPartitionSyntax reports text that is not an IPv4 subnet.
        return;
    }
    const host = layout.hostName;
    if (layout.generation === "winnat" && layout.winNat !== undefined) {
        const winNatPrefix = normalizeCidr(layout.winNat.prefix);
        if (winNatPrefix && !containsPrefix(winNatPrefix, subnet)) {
            failures.add(
                "subnet",
                `${subnet.cidr} lies outside the WinNAT internal prefix ${layout.winNat.reportedPrefix} of host ${host} ` +
                    `(Get-NetNat "${layout.winNat.name}"). Windows build ${layout.build ?? "before 17763"} has one NAT ` +
                    `prefix per host, so new NAT partitions must be carved from it: choose a subnet inside ${winNatPrefix.cidr}, ` +
                    "or change the prefix with HostNatConfig",
            );
        }
    }
    for (const { network, prefix } of conflictingNatNetworks(layout)) {
        if (prefixesOverlap(subnet, prefix)) {
            const kind = network.source === "hns" ? "HNS NAT network" : "NAT network";
            failures.add(
                "subnet",
                `${subnet.cidr} overlaps ${kind} "${network.name}" (${prefix.cidr}) on host ${host}; ` +
                    "NAT partitions must not overlap, so choose a subnet outside it",
            );
        }
    }
    for (const other of layout.otherSubnets) {
        const [prefix] = prefixOf(other.subnet);
        if (prefix && prefixesOverlap(subnet, prefix)) {
            failures.add(
                "subnet",
                `${subnet.cidr} overlaps ${other.kind} network "${other.name}" (${prefix.cidr}) on host ${host}; ` +
                    "choose a subnet outside it",
            );
        }
    }
    for (const entry of layout.hostAddresses) {
        const prefix = hostAddressPrefix(entry);
        if (prefix && prefixesOverlap(subnet, prefix)) {
            failures.add(
                "subnet",
                `${subnet.cidr} overlaps address ${entry.address}/${entry.prefixLength} of adapter "${entry.adapter}" ` +
                    `on host ${host}. A host address inside a NAT prefix breaks Docker on that host, so choose a ` +
                    `subnet clear of ${prefix.cidr}`,
            );
        }
    }
}

function checkSingleNatNetwork(layout: NatLayout, failures: FailureList): void {
    const existing = layout.natNetworks[0];
    if (existing === undefined) {
        return;
    }
    const subnet = existing.subnet ? ` (${existing.subnet})` : "";
    failures.add(
        "subnet",
        `host ${layout.hostName} runs Windows build ${layout.build ?? LAST_SINGLE_NAT_BUILD} with Docker ` +
            `${layout.engineVersion ?? "older than 1.13"}, which allows one NAT network per host, and it has ` +
            `"${existing.name}"${subnet} already; HNS would fail with "Unspecified error". Reuse that network, ` +
            'or remove it first (for the default nat network, set "bridge": "none" with HostNatConfig), ' +
            "or upgrade the engine to 1.13 or later, which creates NAT partitions",
    );
}

/** Returns warnings that do not block the plan, such as a public range like 15.16.1.0/24 used as a NAT subnet. */
export function partitionWarnings(layout: NatLayout, planned: PlannedPartition): string[] {
    const [subnet] = prefixOf(planned.subnet);
    if (subnet === undefined) {
        return [];
    }
    const warnings: string[] = [];
    if (!isPrivatePrefix(subnet)) {
        warnings.push(
            `NAT partition "${planned.name}" uses ${subnet.cidr}, which is not a private range: containers cannot ` +
                "reach the public hosts that own those addresses. Use a subnet inside 10.0.0.0/8, 172.16.0.0/12 " +
                "or 192.168.0.0/16",
        );
    }
    const others = layout.natNetworks.filter((network) => network.name !== planned.name);
    if (layout.build !== undefined && layout.build >= FIRST_MULTI_NAT_HANG_BUILD && others.length > 0) {
        warnings.push(
            `host ${layout.hostName} (Windows build ${layout.build}) would have more than one NAT network ` +
                `("${others[0].name}" and "${planned.name}"); on Windows Server 2022 and 2025, containers that ` +
                "publish ports on a second NAT network can hang while HNS uses much CPU, and on Windows Server 2025 only a reboot recovers the host",
        );
    }
    return warnings;
}

/** Returns the range allocation draws from: `pool` when given, else the WinNAT prefix on winnat hosts, else 172.16.0.0/12. */
export function allocationPool(layout: NatLayout, pool?: string): string {
    if (pool !== undefined) {
        return normalizeCidr(pool)?.cidr ?? pool;
    }
    if (layout.generation === "winnat" && layout.winNat !== undefined) {
        return layout.winNat.prefix;
    }
    return DEFAULT_NAT_POOL;
}

/** An inclusive range of IPv4 addresses as 32-bit unsigned numbers. */
interface AddressRange {
    first: number;
    last: number;
}

function addressNumber(address: ipaddr.IPv4): number {
    return address.octets.reduce((value, octet) => value * 256 + octet, 0);
}

function rangeOf(prefix: Ipv4Prefix): AddressRange {
    const first = addressNumber(prefix.network);
    return { first, last: first + 2 ** (32 - prefix.prefixLength) - 1 };
}

function cidrOf(first: number, prefixLength: number): string {
    const octets = [24, 16, 8, 0].map((shift) => Math.floor(first / 2 ** shift) % 256);
    return `${octets.join(".")}/${prefixLength}`;
}

/**
 * Picks a free block of `prefixLength` inside the pool, clear of every NAT network, other subnet,
 * host address and each of `reserved` (subnets of sibling partitions already claimed). Deterministic:
 * same inputs → same block. Takes blocks from the TOP of the pool downwards, so that explicit
 * subnets, which people write from the bottom (172.16.0.0/16, 172.17.0.0/16 in Microsoft's
 * example), do not collide with allocated ones. Returns undefined when no block is free.
 */
export function allocatePartition(
    layout: NatLayout,
    prefixLength: number,
    pool: string,
    reserved: string[],
): string | undefined {
    const poolPrefix = normalizeCidr(pool);
    if (
        poolPrefix === undefined ||
        !Number.isInteger(prefixLength) ||
        prefixLength < poolPrefix.prefixLength ||
        prefixLength > 32
    ) {
        return undefined;
    }
    const taken = takenRanges(layout, reserved);
    const poolRange = rangeOf(poolPrefix);
    const size = 2 ** (32 - prefixLength);
    let first = poolRange.last + 1 - size;
    while (first >= poolRange.first) {
        const last = first + size - 1;
        const blocking = taken.filter((range) => range.first <= last && range.last >= first);
        if (blocking.length === 0) {
            return cidrOf(first, prefixLength);
        }
        // Jump to the highest aligned block that ends below every range in the way.
        const lowest = Math.min(...blocking.map((range) => range.first));
        first = Math.floor(lowest / size) * size - size;
    }
    return undefined;
}

function takenRanges(layout: NatLayout, reserved: string[]): AddressRange[] {
    const prefixes = [
        ...conflictingNatNetworks(layout).map((entry) => entry.prefix),
        ...layout.otherSubnets.flatMap((other) => prefixOf(other.subnet)),
        ...layout.hostAddresses.flatMap((entry) => hostAddressPrefix(entry) ?? []),
        ...reserved.flatMap((subnet) => prefixOf(subnet)),
    ];
    return prefixes.map(rangeOf);
}
