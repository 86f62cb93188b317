import type { HostSpec } from "../host/spec";
import { firstHostAddress, normalizeCidr, parseCidr } from "./cidr";
import { checkContainerNetwork, type ContainerNetworkInputs } from "./containerNetwork";
import { FailureList } from "./failures";
import { containsUnknown } from "./unknown";
import type { WindowsNetworkOptions } from "./windowsOptions";

/** The inputs of a NatPartition after check filled in defaults. */
export interface NatPartitionInputs {
    host: HostSpec;
    name: string;
    /** Explicit subnet; absent when `prefixLength` requests an allocated block. */
    subnet?: string;
    /** Size of the block to allocate. */
    prefixLength?: number;
    /** Range to allocate from. */
    pool?: string;
    gateway?: string;
    windows?: WindowsNetworkOptions;
    labels?: Record<string, string>;
    adopt: boolean;
    disconnectContainersOnDelete: boolean;
    /** `<project>/<stack>/<resource name>`, written to the ownership label. */
    owner: string;
    /**
     * The block allocated for `prefixLength`, kept in state so that later runs never move the
     * partition. Set by check when the host's layout is known, otherwise by create.
     */
    allocatedSubnet?: string;
}

/** Input property names of a NatPartition, the part of its outputs that refresh hands back as inputs. */
export const NAT_PARTITION_INPUT_KEYS: readonly (keyof NatPartitionInputs)[] = [
    "host",
    "name",
    "subnet",
    "prefixLength",
    "pool",
    "gateway",
    "windows",
    "labels",
    "adopt",
    "disconnectContainersOnDelete",
    "owner",
    "allocatedSubnet",
];

/** Keys a NatPartition accepts; the rest of a ContainerNetwork's settings do not apply to nat partitions. */
const KNOWN_KEYS = new Set<string>([...NAT_PARTITION_INPUT_KEYS, "__provider"]);

/** Smallest and largest block size that can be allocated. */
const MIN_PREFIX_LENGTH = 8;
const MAX_PREFIX_LENGTH = 30;

/**
 * Returns the checked inputs with defaults filled in, and every failure that needs no host at once.
 * The network rules are a nat ContainerNetwork's; on top of them exactly one of `subnet` and
 * `prefixLength` is required, and `pool` goes only with `prefixLength`.
 */
export function checkNatPartition(raw: Record<string, unknown>): {
    inputs: Record<string, unknown>;
    failures: FailureList;
} {
    const networkRaw: Record<string, unknown> = { ...raw, driver: "nat" };
    delete networkRaw.prefixLength;
    delete networkRaw.pool;
    delete networkRaw.allocatedSubnet;
    // With prefixLength the gateway is checked below, because the subnet is not known yet.
    if (raw.subnet === undefined) {
        delete networkRaw.gateway;
    }
    const { inputs: networkInputs, failures } = checkContainerNetwork(networkRaw);
    const inputs: Record<string, unknown> = { ...raw };
    inputs.adopt = networkInputs.adopt;
    inputs.disconnectContainersOnDelete = networkInputs.disconnectContainersOnDelete;

    for (const key of Object.keys(raw)) {
        if (!KNOWN_KEYS.has(key)) {
            failures.add(
                key,
                "is not a NatPartition setting; use a ContainerNetwork for settings beyond subnet, prefixLength, pool, gateway, windows and labels",
            );
        }
    }
    validateSizing(raw, failures);
    return { inputs, failures };
}

function validateSizing(raw: Record<string, unknown>, failures: FailureList): void {
    const { subnet, prefixLength, pool, gateway } = raw;
    if (containsUnknown(subnet) || containsUnknown(prefixLength)) {
        return;
    }
    if (subnet !== undefined && prefixLength !== undefined) {
        failures.add(
            "prefixLength",
            "cannot be combined with subnet: set subnet for a fixed partition, or prefixLength to have one allocated",
        );
        return;
    }
    if (subnet === undefined && prefixLength === undefined) {
        failures.add(
            "subnet",
            'is required unless prefixLength is set: give a subnet such as "172.16.1.0/24", or prefixLength: 24 to have a block allocated',
        );
        return;
    }
    if (subnet !== undefined) {
        if (pool !== undefined) {
            failures.add(
                "pool",
                "is used only with prefixLength; remove it, or replace subnet with prefixLength",
            );
        }
        return;
    }
    if (
        typeof prefixLength !== "number" ||
        !Number.isInteger(prefixLength) ||
        prefixLength < MIN_PREFIX_LENGTH ||
        prefixLength > MAX_PREFIX_LENGTH
    ) {
        failures.add(
            "prefixLength",
            `${JSON.stringify(prefixLength)} is not a whole number from ${MIN_PREFIX_LENGTH} to ${MAX_PREFIX_LENGTH}; ` +
                "for example 24 allocates a block of 256 addresses",
        );
        return;
    }
    if (gateway !== undefined && !containsUnknown(gateway)) {
        failures.add(
            "gateway",
            "needs an explicit subnet; with prefixLength the gateway is the first address of the allocated block",
        );
    }
    validatePool(pool, prefixLength, failures);
}

function validatePool(pool: unknown, prefixLength: number, failures: FailureList): void {
    if (pool === undefined || containsUnknown(pool)) {
        return;
    }
    if (typeof pool !== "string") {
        failures.add("pool", `${JSON.stringify(pool)} is not a CIDR string such as "172.16.0.0/12"`);
        return;
    }
    const parsed = parseCidr(pool);
    if (parsed.kind === "host-bits") {
        failures.add("pool", `"${pool}" has host bits set; write the range as ${parsed.canonical}`);
    } else if (parsed.kind !== "ok") {
        failures.add("pool", `"${pool}" is not an IPv4 CIDR such as "172.16.0.0/12"`);
    } else if (parsed.prefix.prefixLength > prefixLength) {
        failures.add(
            "prefixLength",
            `${prefixLength} asks for a block larger than pool ${parsed.prefix.cidr}; use ${parsed.prefix.prefixLength} or more`,
        );
    }
}

/** The subnet the partition has or will have: the explicit one or the allocated block. */
export function partitionSubnet(inputs: NatPartitionInputs): string | undefined {
    return inputs.subnet ?? inputs.allocatedSubnet;
}

/**
 * Returns the ContainerNetwork the partition is: a nat network on its subnet with the gateway given, or the
 * first address of the subnet.
 */
export function partitionNetwork(inputs: NatPartitionInputs, subnet: string): ContainerNetworkInputs {
    const prefix = normalizeCidr(subnet);
    const gateway = inputs.gateway ?? (prefix ? firstHostAddress(prefix).toString() : undefined);
    const network: ContainerNetworkInputs = {
        host: inputs.host,
        name: inputs.name,
        driver: "nat",
        subnet,
        adopt: inputs.adopt,
        disconnectContainersOnDelete: inputs.disconnectContainersOnDelete,
        owner: inputs.owner,
    };
    if (gateway !== undefined) {
        network.gateway = gateway;
    }
    if (inputs.windows !== undefined) {
        network.windows = inputs.windows;
    }
    if (inputs.labels !== undefined) {
        network.labels = inputs.labels;
    }
    return network;
}
