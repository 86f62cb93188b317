import { normalizeCidr, parseIpv4 } from "./cidr";
import { ContainerNetworkInputs, MANAGED_BY_VALUE, OwnerLabel } from "./containerNetwork";
import type { ObservedNetwork } from "./networkInspect";
import { ENGINE_ADDED_OPTION_KEYS, windowsOptionsToDriverOptions } from "./windowsOptions";

/** The body of `POST /networks/create`, typed. `IPAM.Config` must be an array. */
export interface NetworkCreateBody {
    Name: string;
    Driver: string;
    CheckDuplicate: boolean;
    IPAM: { Driver: string; Config: { Subnet: string; Gateway?: string }[] };
    Options: Record<string, string>;
    Labels: Record<string, string>;
}

/** Returns the driver options a network's inputs request: typed Windows options merged with raw ones. */
export function desiredDriverOptions(
    inputs: Pick<ContainerNetworkInputs, "windows" | "driverOptions">,
): Record<string, string> {
    return { ...(inputs.driverOptions ?? {}), ...windowsOptionsToDriverOptions(inputs.windows) };
}

/** Returns the labels written on a network the provider creates: the user's plus the ownership labels. */
export function desiredLabels(
    inputs: Pick<ContainerNetworkInputs, "labels" | "owner">,
): Record<string, string> {
    return {
        ...(inputs.labels ?? {}),
        [OwnerLabel.managedBy]: MANAGED_BY_VALUE,
        [OwnerLabel.owner]: inputs.owner,
    };
}

export function buildCreateBody(inputs: ContainerNetworkInputs): NetworkCreateBody {
    const config: { Subnet: string; Gateway?: string }[] = [];
    if (inputs.subnet !== undefined) {
        config.push(
            inputs.gateway === undefined
                ? { Subnet: inputs.subnet }
                : { Subnet: inputs.subnet, Gateway: inputs.gateway },
        );
    }
    return {
        Name: inputs.name,
        Driver: inputs.driver,
        CheckDuplicate: true,
        IPAM: { Driver: "default", Config: config },
        Options: desiredDriverOptions(inputs),
        Labels: desiredLabels(inputs),
    };
}

/** User labels of an observed network: every label except the provider's ownership labels. */
export function userLabels(labels: Record<string, string>): Record<string, string> {
    const result: Record<string, string> = {};
    for (const [key, value] of Object.entries(labels)) {
        if (key !== OwnerLabel.managedBy && key !== OwnerLabel.owner) {
            result[key] = value;
        }
    }
    return result;
}

/** True when the observed network carries this provider's ownership labels for that owner. */
export function isOwnedBy(network: ObservedNetwork, owner: string): boolean {
    return (
        network.labels[OwnerLabel.managedBy] === MANAGED_BY_VALUE &&
        network.labels[OwnerLabel.owner] === owner
    );
}

/**
 * Lists how an existing network differs from the inputs, for adopting it. Options the engine adds
 * and options a Windows engine does not echo back are not counted as differences.
 */
export function compareForAdoption(inputs: ContainerNetworkInputs, network: ObservedNetwork): string[] {
    const differences: string[] = [];
    if (network.driver !== inputs.driver) {
        differences.push(`driver is ${network.driver}, not ${inputs.driver}`);
    }
    if (
        inputs.subnet !== undefined &&
        network.subnet !== undefined &&
        !sameCidr(inputs.subnet, network.subnet)
    ) {
        differences.push(`subnet is ${network.subnet}, not ${inputs.subnet}`);
    }
    if (inputs.subnet !== undefined && network.subnet === undefined) {
        differences.push(
            `subnet is not reported by the engine, while ${inputs.subnet} is requested; ` +
                "Windows shows 0.0.0.0/0 when HNS chose the prefix, so remove subnet from the inputs to adopt it",
        );
    }
    if (
        inputs.gateway !== undefined &&
        network.gateway !== undefined &&
        !sameAddress(inputs.gateway, network.gateway)
    ) {
        differences.push(`gateway is ${network.gateway}, not ${inputs.gateway}`);
    }
    for (const [key, value] of Object.entries(desiredDriverOptions(inputs))) {
        const live = network.options[key];
        if (live !== undefined && live !== value) {
            differences.push(`option ${key} is "${live}", not "${value}"`);
        }
    }
    const labels = userLabels(network.labels);
    for (const [key, value] of Object.entries(inputs.labels ?? {})) {
        if (labels[key] !== value) {
            differences.push(
                `label ${key} is ${labels[key] === undefined ? "missing" : `"${labels[key]}"`}, not "${value}"`,
            );
        }
    }
    return differences;
}

/** Options on an observed network that came from the user, without the ones the engine adds. */
export function userOptions(options: Record<string, string>): Record<string, string> {
    const result: Record<string, string> = {};
    for (const [key, value] of Object.entries(options)) {
        if (!ENGINE_ADDED_OPTION_KEYS.includes(key)) {
            result[key] = value;
        }
    }
    return result;
}

export function sameCidr(a: string, b: string): boolean {
    return normalizeCidr(a)?.cidr === normalizeCidr(b)?.cidr && normalizeCidr(a) !== undefined;
}

export function sameAddress(a: string, b: string): boolean {
    const left = parseIpv4(a);
    return left !== undefined && left.toString() === parseIpv4(b)?.toString();
}
