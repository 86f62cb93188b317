import type { EngineInfo } from "./engine";
import { normalizeCidr, prefixesOverlap } from "../model/cidr";
import { FailureList } from "../model/failures";
import type { ObservedNetwork } from "../model/networkInspect";
import type { WindowsNetworkOptions } from "../model/windowsOptions";

const LINUX_DRIVERS = ["bridge", "macvlan", "ipvlan", "host"];
const WINDOWS_DRIVERS = [
    "nat",
    "transparent",
    "l2bridge",
    "l2tunnel",
    "overlay",
    "ics",
    "internal",
    "private",
];
/** Windows builds up to this one reject outbound NAT on l2bridge and overlay networks. */
const LAST_BUILD_WITHOUT_OUTBOUND_NAT = 16236;

/** The parts of a network's inputs that depend on what the engine offers. */
export interface EngineRequirements {
    driver: string;
    windows?: WindowsNetworkOptions;
    /** API version the requests are pinned to, for example `1.40`. */
    apiVersion: string;
}

/**
 * Adds a failure for every requirement the engine cannot meet: a driver it does not offer, Windows
 * options on a Linux engine, an API version outside its range, outbound NAT on an old build.
 */
export function checkEngine(
    info: EngineInfo,
    hostName: string,
    wanted: EngineRequirements,
    failures: FailureList,
): void {
    checkApiVersion(info, hostName, wanted.apiVersion, failures);
    checkDriver(info, hostName, wanted.driver, failures);
    const hasWindowsOptions = wanted.windows !== undefined && Object.keys(wanted.windows).length > 0;
    if (info.osType !== "windows" && hasWindowsOptions) {
        failures.add(
            "windows",
            `host ${hostName} runs a ${info.osType || "non-Windows"} Docker engine, which ignores Windows network options; ` +
                "point host.docker.url at the Windows engine or remove them",
        );
    }
    const build = windowsBuild(info);
    if (wanted.windows?.outboundNat && build !== undefined && build <= LAST_BUILD_WITHOUT_OUTBOUND_NAT) {
        failures.add(
            "windows.outboundNat",
            `host ${hostName} runs Windows build ${build}, which does not support outbound NAT (it needs a build after ${LAST_BUILD_WITHOUT_OUTBOUND_NAT}); remove it`,
        );
    }
}

function checkDriver(info: EngineInfo, hostName: string, driver: string, failures: FailureList): void {
    if (info.networkDrivers.includes(driver)) {
        return;
    }
    // The engine lists its `null` driver, but no network can be created with it.
    const creatable = info.networkDrivers.filter((name) => name !== "null");
    const offered = creatable.length ? creatable.join(", ") : "none";
    if (info.osType === "windows" && LINUX_DRIVERS.includes(driver)) {
        failures.add(
            "driver",
            `"${driver}" is a Linux network driver and host ${hostName} runs a Windows engine; use nat (or transparent, l2bridge). ` +
                `The engine offers: ${offered}`,
        );
    } else if (info.osType !== "windows" && WINDOWS_DRIVERS.includes(driver)) {
        failures.add(
            "driver",
            `host ${hostName} answers as a ${info.osType || "non-Windows"} engine, which has no "${driver}" driver. ` +
                "The endpoint reaches a Linux engine: on Docker Desktop switch to Windows containers, or fix host.docker.url",
        );
    } else {
        failures.add(
            "driver",
            `"${driver}" is not a network driver host ${hostName} offers; it offers: ${offered}`,
        );
    }
}

/** Returns true when the engine accepts the pinned API version, so versioned calls can be made. */
export function acceptsApiVersion(info: EngineInfo, pinned: string): boolean {
    const tooNew = info.apiVersion !== "" && compareVersions(pinned, info.apiVersion) > 0;
    const tooOld =
        info.minApiVersion !== undefined &&
        info.minApiVersion !== "" &&
        compareVersions(pinned, info.minApiVersion) < 0;
    return !tooNew && !tooOld;
}

function checkApiVersion(info: EngineInfo, hostName: string, pinned: string, failures: FailureList): void {
    if (info.apiVersion && compareVersions(pinned, info.apiVersion) > 0) {
        failures.add(
            "host.docker.apiVersion",
            `${pinned} is newer than host ${hostName}'s engine supports (up to ${info.apiVersion}); set it to ${info.apiVersion} or lower`,
        );
    }
    if (info.minApiVersion && compareVersions(pinned, info.minApiVersion) < 0) {
        failures.add(
            "host.docker.apiVersion",
            `${pinned} is older than host ${hostName}'s engine accepts (from ${info.minApiVersion}); set it to ${info.minApiVersion} or higher`,
        );
    }
}

/** Windows build number from the engine's kernel version, for example 20348 from `10.0 20348 (...)`. */
export function windowsBuild(info: EngineInfo): number | undefined {
    if (info.osType !== "windows") {
        return undefined;
    }
    const match = /^\s*10\.0\s+(\d+)/.exec(info.kernelVersion);
    return match ? Number(match[1]) : undefined;
}

function compareVersions(a: string, b: string): number {
    const [aMajor, aMinor] = a.replace(/^v/, "").split(".").map(Number);
    const [bMajor, bMinor] = b.replace(/^v/, "").split(".").map(Number);
    return aMajor !== bMajor ? aMajor - bMajor : aMinor - bMinor;
}

/** The parts of a network that must fit beside the networks already on the host. */
export interface PlannedNetwork {
    name: string;
    driver: string;
    subnet?: string;
}

/**
 * Adds a failure for every way a planned network clashes with the networks already on the host:
 * an overlapping subnet, or an overlay network on an engine outside a swarm. The NAT rules
 * (WinNAT prefix, one-NAT hosts, host addresses) are in model/nat.ts. A network with the planned name is the one being replaced, so it
 * never counts.
 */
export function checkNetworkLayout(
    info: EngineInfo,
    hostName: string,
    planned: PlannedNetwork,
    existing: ObservedNetwork[],
    failures: FailureList,
): void {
    const others = existing.filter((network) => network.name !== planned.name);
    const prefix = planned.subnet === undefined ? undefined : normalizeCidr(planned.subnet);
    for (const network of others) {
        const otherPrefix = network.subnet === undefined ? undefined : normalizeCidr(network.subnet);
        if (prefix && otherPrefix && prefixesOverlap(prefix, otherPrefix)) {
            failures.add(
                "subnet",
                `${prefix.cidr} overlaps network "${network.name}" (${otherPrefix.cidr}) on host ${hostName}; ` +
                    "choose a subnet outside it",
            );
        }
    }
    if (planned.driver === "overlay" && !info.swarmActive) {
        failures.add(
            "driver",
            `overlay networks need the engine on host ${hostName} to be part of a swarm, and it is not; ` +
                "join the host to a swarm or use another driver",
        );
    }
}
