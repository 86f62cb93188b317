import type { HostSpec } from "../host/spec";
import { containsPrefix, isPrivatePrefix, normalizeCidr, parseCidr, prefixesOverlap } from "./cidr";
import { FailureList } from "./failures";
import { validateHostSpec } from "./hostSpec";
import type { ObservedEndpoint, ObservedNetwork } from "./networkInspect";
import { containsUnknown } from "./unknown";

/** daemon.json keys HostNatConfig manages; every other key is kept as it is. */
export const FIXED_CIDR_KEY = "fixed-cidr";
export const BRIDGE_KEY = "bridge";
/** `"bridge": "none"` turns off the default nat network. */
export const BRIDGE_NONE = "none";
/** Name of the engine's default network on Windows. */
export const DEFAULT_NAT_NAME = "nat";

/** The inputs of a HostNatConfig after check filled in defaults. */
export interface HostNatConfigInputs {
    host: HostSpec;
    /** The default nat network's prefix (`fixed-cidr`); absent for the engine's own choice. */
    fixedCidr?: string;
    /** False writes `"bridge": "none"`, so the engine makes no default nat network. */
    defaultNatNetwork: boolean;
    /** Names of networks other than the default `nat` that applying may remove. */
    allowRemoveNetworks: string[];
    /** Names or ids of containers that applying may detach from removed networks. */
    allowDetachContainers: string[];
    /** How long to wait for the engine after the docker service starts. */
    restartTimeoutSeconds: number;
}

/** The two managed daemon.json values, as the file has them; null when a key is absent. */
export interface ManagedDaemonValues {
    fixedCidr: unknown;
    bridge: unknown;
}

export const DEFAULT_RESTART_TIMEOUT_SECONDS = 120;

/** Returns the checked inputs with defaults filled in, and every failure that needs no host. */
export function checkHostNatConfig(raw: Record<string, unknown>): {
    inputs: Record<string, unknown>;
    failures: FailureList;
    warnings: string[];
} {
    const failures = new FailureList();
    const warnings: string[] = [];
    const inputs: Record<string, unknown> = { ...raw };
    inputs.defaultNatNetwork = raw.defaultNatNetwork ?? true;
    inputs.allowRemoveNetworks = raw.allowRemoveNetworks ?? [];
    inputs.allowDetachContainers = raw.allowDetachContainers ?? [];
    inputs.restartTimeoutSeconds = raw.restartTimeoutSeconds ?? DEFAULT_RESTART_TIMEOUT_SECONDS;

    validateHostSpec(raw.host, failures);
    const host = raw.host as HostSpec | undefined;
    if (
        host &&
        !containsUnknown(host) &&
        typeof host === "object" &&
        host.powershell === undefined &&
        typeof host.docker?.url === "string" &&
        !host.docker.url.startsWith("sim:")
    ) {
        failures.add(
            "host.powershell",
            "is required: HostNatConfig edits daemon.json and restarts the docker service through PowerShell on the host; " +
                'set it, for example { transport: "winrm", endpoint: "https://web-01:5986/wsman", auth: "ntlm", username: "wcn", passwordConfigKey: "web01Password" }',
        );
    }
    if (!containsUnknown(inputs.defaultNatNetwork) && typeof inputs.defaultNatNetwork !== "boolean") {
        failures.add(
            "defaultNatNetwork",
            `${JSON.stringify(inputs.defaultNatNetwork)} is not a boolean; use true or false`,
        );
    }
    validateFixedCidr(raw.fixedCidr, failures, warnings);
    if (raw.fixedCidr !== undefined && inputs.defaultNatNetwork === false) {
        failures.add(
            "fixedCidr",
            "sets the default nat network's prefix, and defaultNatNetwork: false turns that network off; remove one of them",
        );
    }
    for (const key of ["allowRemoveNetworks", "allowDetachContainers"]) {
        const value = inputs[key];
        if (
            !containsUnknown(value) &&
            (!Array.isArray(value) || value.some((item) => typeof item !== "string"))
        ) {
            failures.add(key, `${JSON.stringify(value)} is not a list of names, for example ["app-nat"]`);
        }
    }
    const timeout = inputs.restartTimeoutSeconds;
    if (
        !containsUnknown(timeout) &&
        (typeof timeout !== "number" || !Number.isInteger(timeout) || timeout < 10 || timeout > 3600)
    ) {
        failures.add(
            "restartTimeoutSeconds",
            `${JSON.stringify(timeout)} is not a whole number of seconds from 10 to 3600`,
        );
    }
    return { inputs, failures, warnings };
}

function validateFixedCidr(value: unknown, failures: FailureList, warnings: string[]): void {
    if (value === undefined || containsUnknown(value)) {
        return;
    }
    if (typeof value !== "string") {
        failures.add("fixedCidr", `${JSON.stringify(value)} is not a CIDR string such as "172.30.0.0/16"`);
        return;
    }
    if (value !== value.trim()) {
        failures.add(
            "fixedCidr",
            `${JSON.stringify(value)} has spaces around it; write ${JSON.stringify(value.trim())}`,
        );
        return;
    }
    const parsed = parseCidr(value);
    if (parsed.kind === "host-bits") {
        failures.add("fixedCidr", `"${value}" has host bits set; write the prefix as ${parsed.canonical}`);
    } else if (parsed.kind === "ipv6") {
        failures.add(
            "fixedCidr",
            `"${value}" is IPv6; Windows NAT takes an IPv4 prefix such as "172.30.0.0/16"`,
        );
    } else if (parsed.kind !== "ok") {
        failures.add("fixedCidr", `"${value}" is not an IPv4 CIDR such as "172.30.0.0/16"`);
    } else if (parsed.prefix.prefixLength < 8 || parsed.prefix.prefixLength > 30) {
        failures.add("fixedCidr", `"${value}" must have a prefix length from 8 to 30`);
    } else if (!isPrivatePrefix(parsed.prefix)) {
        warnings.push(
            `fixedCidr ${value} is not a private range (RFC 1918); containers behind NAT then shadow public addresses of that range`,
        );
    }
}

/** Returns the managed values that `inputs` request. */
export function desiredDaemonValues(
    inputs: Pick<HostNatConfigInputs, "fixedCidr" | "defaultNatNetwork">,
): ManagedDaemonValues {
    return {
        fixedCidr: inputs.defaultNatNetwork ? (inputs.fixedCidr ?? null) : null,
        bridge: inputs.defaultNatNetwork ? null : BRIDGE_NONE,
    };
}

/** Reads the managed values from parsed daemon.json settings (undefined settings = no file). */
export function currentDaemonValues(settings: Record<string, unknown> | undefined): ManagedDaemonValues {
    return {
        fixedCidr: settings?.[FIXED_CIDR_KEY] ?? null,
        bridge: settings?.[BRIDGE_KEY] ?? null,
    };
}

/** Returns the set and remove lists that turn `current` into `desired`. */
export function daemonEdits(
    current: ManagedDaemonValues,
    desired: ManagedDaemonValues,
): { set: Record<string, unknown>; remove: string[] } {
    const set: Record<string, unknown> = {};
    const remove: string[] = [];
    const edit = (key: string, now: unknown, wanted: unknown) => {
        if (JSON.stringify(now) === JSON.stringify(wanted)) {
            return;
        }
        if (wanted === null) {
            remove.push(key);
        } else {
            set[key] = wanted;
        }
    };
    edit(FIXED_CIDR_KEY, current.fixedCidr, desired.fixedCidr);
    edit(BRIDGE_KEY, current.bridge, desired.bridge);
    return { set, remove };
}

/** A network that applying removes, and whether the user allowed it. */
export interface NetworkRemoval {
    name: string;
    /** HNS network id, lower case; the host removes the network by it. */
    hnsId?: string;
    subnet?: string;
    reason: string;
    /** Attached containers. */
    containers: ObservedEndpoint[];
}

/** The changes applying the inputs makes on a host. */
export interface HostNatPlan {
    set: Record<string, unknown>;
    remove: string[];
    removals: NetworkRemoval[];
    /** True when neither daemon.json nor any network changes. */
    noop: boolean;
}

/** The host state a plan is computed from. */
export interface HostNatState {
    hostName: string;
    /** Parsed daemon.json, or undefined when the file does not exist. */
    daemonSettings: Record<string, unknown> | undefined;
    networks: ObservedNetwork[];
    /** True on hosts where the one WinNAT contains every NAT network (builds before 17763). */
    winNatGeneration: boolean;
    /** The active WinNAT's prefix on those hosts, canonical. */
    winNatPrefix?: string;
}

/**
 * Works out the daemon.json edits and the networks the documented procedure must remove. The
 * default `nat` network goes when its prefix changes or it is turned off, and NAT networks go when
 * the new prefix overlaps them. On WinNAT hosts every NAT network goes when the new prefix leaves
 * the WinNAT prefix, because HNS makes the WinNAT again only once no NAT network uses it.
 */
export function planHostNat(state: HostNatState, wanted: ManagedDaemonValues): HostNatPlan {
    const current = currentDaemonValues(state.daemonSettings);
    const { set, remove } = daemonEdits(current, wanted);
    const desired = {
        defaultNatNetwork: wanted.bridge !== BRIDGE_NONE,
        fixedCidr: typeof wanted.fixedCidr === "string" ? wanted.fixedCidr : undefined,
    };
    const removals: NetworkRemoval[] = [];
    const natNetworks = state.networks.filter((network) => network.driver === "nat");
    const defaultNat = natNetworks.find((network) => network.name === DEFAULT_NAT_NAME);
    const others = natNetworks.filter((network) => network !== defaultNat);
    const add = (network: ObservedNetwork, reason: string) => {
        if (!removals.some((existing) => existing.name === network.name)) {
            removals.push({
                name: network.name,
                hnsId: network.hnsId,
                subnet: network.subnet,
                reason,
                containers: network.endpoints,
            });
        }
    };

    if (defaultNat !== undefined) {
        if (!desired.defaultNatNetwork) {
            add(defaultNat, "the default nat network is turned off");
        } else if (desired.fixedCidr !== undefined && !sameCidr(defaultNat.subnet, desired.fixedCidr)) {
            add(defaultNat, `the default nat network moves to ${desired.fixedCidr}`);
        } else if (desired.fixedCidr === undefined && current.fixedCidr !== null) {
            add(defaultNat, "the default nat network goes back to the prefix the engine chooses");
        }
    }
    const target =
        desired.defaultNatNetwork && desired.fixedCidr !== undefined
            ? normalizeCidr(desired.fixedCidr)
            : undefined;
    if (target !== undefined && (defaultNat === undefined || removals.length > 0)) {
        const winNat = state.winNatPrefix === undefined ? undefined : normalizeCidr(state.winNatPrefix);
        const leavesWinNat =
            state.winNatGeneration && winNat !== undefined && !containsPrefix(winNat, target);
        for (const network of others) {
            const prefix = network.subnet === undefined ? undefined : normalizeCidr(network.subnet);
            if (prefix !== undefined && prefixesOverlap(prefix, target)) {
                add(network, `it overlaps the new default prefix ${target.cidr}`);
            } else if (leavesWinNat) {
                add(
                    network,
                    `the new prefix ${target.cidr} lies outside the WinNAT prefix ${winNat.cidr}, which goes only with the last NAT network`,
                );
            }
        }
    }
    return {
        set,
        remove,
        removals,
        noop: Object.keys(set).length === 0 && remove.length === 0 && removals.length === 0,
    };
}

function sameCidr(left: string | undefined, right: string): boolean {
    return left !== undefined && normalizeCidr(left)?.cidr === normalizeCidr(right)?.cidr;
}

/**
 * Adds a failure for each removal the user did not allow: networks other than the default `nat`
 * must be named in allowRemoveNetworks, and attached containers in allowDetachContainers.
 */
export function checkRemovalsAllowed(
    plan: HostNatPlan,
    inputs: Pick<HostNatConfigInputs, "allowRemoveNetworks" | "allowDetachContainers">,
    hostName: string,
    failures: FailureList,
): void {
    for (const removal of plan.removals) {
        if (removal.name !== DEFAULT_NAT_NAME && !inputs.allowRemoveNetworks.includes(removal.name)) {
            failures.add(
                "allowRemoveNetworks",
                `applying this would remove network "${removal.name}"${removal.subnet ? ` (${removal.subnet})` : ""} on host ${hostName} ` +
                    `because ${removal.reason}. HostNatConfig does not own it: add "${removal.name}" to allowRemoveNetworks to allow that, ` +
                    "or choose a prefix that leaves it alone",
            );
        }
        const blocked = removal.containers.filter(
            (container) =>
                !inputs.allowDetachContainers.some(
                    (allowed) =>
                        allowed === container.name ||
                        (allowed.length >= 12 && container.containerId.startsWith(allowed)),
                ),
        );
        if (blocked.length > 0) {
            const names = blocked.map((container) => `"${container.name}"`).join(", ");
            failures.add(
                "allowDetachContainers",
                `applying this would detach ${names} from network "${removal.name}" on host ${hostName} (${removal.reason}); ` +
                    "the containers lose that network until they are connected again. Add them to allowDetachContainers to allow it",
            );
        }
    }
}

/**
 * Checks the new default prefix against the host: it must not cover a host adapter's address (the
 * engine would not start) nor overlap a network that stays.
 */
export function checkPrefixAgainstHost(
    fixedCidr: string,
    plan: HostNatPlan,
    networks: ObservedNetwork[],
    hostAddresses: { adapter: string; address: string; prefixLength: number }[],
    hostName: string,
    failures: FailureList,
    winNatGeneration = false,
): void {
    const target = normalizeCidr(fixedCidr);
    if (target === undefined) {
        return;
    }
    for (const address of hostAddresses) {
        const hostPrefix = hostPrefixOf(address);
        if (hostPrefix !== undefined && prefixesOverlap(hostPrefix, target)) {
            failures.add(
                "fixedCidr",
                `${target.cidr} overlaps address ${address.address}/${address.prefixLength} of adapter "${address.adapter}" on host ${hostName}. ` +
                    "A host address inside the NAT prefix stops Docker from starting; choose a prefix clear of the host's networks",
            );
        }
    }
    // With nothing to change the networks already sit beside the prefix, as the host accepted them.
    if (plan.noop) {
        return;
    }
    const removed = new Set(plan.removals.map((removal) => removal.name));
    for (const network of networks) {
        if (network.name === DEFAULT_NAT_NAME || removed.has(network.name) || network.subnet === undefined) {
            continue;
        }
        const prefix = normalizeCidr(network.subnet);
        // On WinNAT hosts NAT partitions are carved from the prefix, so one inside it is no conflict.
        if (
            winNatGeneration &&
            network.driver === "nat" &&
            prefix !== undefined &&
            containsPrefix(target, prefix)
        ) {
            continue;
        }
        if (prefix !== undefined && prefixesOverlap(prefix, target)) {
            failures.add(
                "fixedCidr",
                `${target.cidr} overlaps network "${network.name}" (${prefix.cidr}) on host ${hostName}; choose a prefix outside it`,
            );
        }
    }
}

/** Returns the network a host address lies in, for example 192.168.50.0/24 for 192.168.50.10/24. */
function hostPrefixOf(address: { address: string; prefixLength: number }) {
    const parsed = parseCidr(`${address.address}/${address.prefixLength}`);
    if (parsed.kind === "ok") {
        return parsed.prefix;
    }
    return parsed.kind === "host-bits" ? normalizeCidr(parsed.canonical) : undefined;
}
