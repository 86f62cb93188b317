import type { EngineInfo } from "../docker/engine";
import type { ContainerNetworkInputs } from "../model/containerNetwork";
import type { ObservedNetwork } from "../model/networkInspect";
import { userLabels } from "../model/networkSpec";
import { driverOptionsToWindowsOptions, WindowsNetworkOptions } from "../model/windowsOptions";
import { pickDefined } from "./common";

/** The inputs echoed back plus what the engine reports. */
export interface NetworkOutputs extends ContainerNetworkInputs {
    /** The Docker network id. */
    networkId: string;
    /** The HNS network id (lower case) on Windows engines. */
    hnsId?: string;
    /** The subnet in effect; absent while the engine reports none (DHCP, or a prefix HNS chose silently). */
    effectiveSubnet?: string;
    /** The gateway in effect. */
    effectiveGateway?: string;
    /** `windows` or `linux`. */
    engineOsType: string;
    /** The engine's operating system, for example `Windows Server 2022 Datacenter`. */
    engineOperatingSystem: string;
    /** The engine's version, for example `24.0.7`. */
    engineVersion: string;
    /** True when the network existed before and was taken over with `adopt`. */
    adopted: boolean;
}

/** Input property names, the part of the outputs that refresh hands back as inputs. */
const INPUT_KEYS: (keyof ContainerNetworkInputs)[] = [
    "host",
    "name",
    "driver",
    "subnet",
    "gateway",
    "windows",
    "driverOptions",
    "labels",
    "adopt",
    "disconnectContainersOnDelete",
    "owner",
    "vSwitch",
];

export function networkOutputs(
    inputs: ContainerNetworkInputs,
    observed: ObservedNetwork,
    info: EngineInfo,
    adopted: boolean,
): NetworkOutputs {
    const outputs: NetworkOutputs = {
        ...pickInputs(inputs),
        networkId: observed.id,
        engineOsType: info.osType,
        engineOperatingSystem: info.operatingSystem,
        engineVersion: info.serverVersion,
        adopted,
    };
    setIfDefined(outputs, "hnsId", observed.hnsId);
    setIfDefined(outputs, "effectiveSubnet", observed.subnet);
    setIfDefined(outputs, "effectiveGateway", observed.gateway);
    return outputs;
}

/**
 * Builds the refreshed state from a live network. Managed settings the engine reports replace the
 * stored ones, so a change made on the host shows as a difference. Settings a Windows engine does
 * not report (it does not echo `interface`, `vlanid` or `dnsservers`) keep their stored value, and
 * an unreported subnet (`0.0.0.0/0`) is not a change.
 */
export function readNetworkProps(
    stored: NetworkOutputs,
    observed: ObservedNetwork,
): { props: NetworkOutputs; inputs: ContainerNetworkInputs } {
    const props: NetworkOutputs = {
        ...stored,
        name: observed.name,
        driver: observed.driver,
        networkId: observed.id,
    };
    if (stored.subnet !== undefined && observed.subnet !== undefined) {
        props.subnet = observed.subnet;
    }
    if (stored.gateway !== undefined && observed.gateway !== undefined) {
        props.gateway = observed.gateway;
    }
    setIfDefined(props, "effectiveSubnet", observed.subnet ?? stored.effectiveSubnet);
    setIfDefined(props, "effectiveGateway", observed.gateway ?? stored.effectiveGateway);
    setIfDefined(props, "hnsId", observed.hnsId ?? stored.hnsId);
    setIfDefined(props, "windows", refreshedWindows(stored.windows, observed.options));
    setIfDefined(props, "driverOptions", refreshedRawOptions(stored, observed.options));
    setIfDefined(props, "labels", managedEntries(stored.labels, userLabels(observed.labels)));
    return { props, inputs: pickInputs(props) };
}

/**
 * Typed Windows options with the live value of each option the user set. Options the user did not
 * set are ignored even when the engine shows them: a Windows engine adds `networkname` after a
 * daemon restart, and that is not a change.
 */
function refreshedWindows(
    stored: WindowsNetworkOptions | undefined,
    liveOptions: Record<string, string>,
): WindowsNetworkOptions | undefined {
    if (stored === undefined) {
        return undefined;
    }
    const live = driverOptionsToWindowsOptions(liveOptions) as Record<string, unknown>;
    const merged: Record<string, unknown> = { ...stored };
    for (const key of Object.keys(stored)) {
        if (live[key] !== undefined) {
            merged[key] = live[key];
        }
    }
    return merged as WindowsNetworkOptions;
}

/**
 * Raw driver options as the engine reports them, for the keys the user set. A stored option the
 * engine does not echo keeps its stored value.
 */
function refreshedRawOptions(
    stored: NetworkOutputs,
    liveOptions: Record<string, string>,
): Record<string, string> | undefined {
    if (stored.driverOptions === undefined) {
        return undefined;
    }
    const result: Record<string, string> = {};
    for (const [key, value] of Object.entries(stored.driverOptions)) {
        result[key] = liveOptions[key] ?? value;
    }
    return result;
}

/**
 * Returns the live values of the keys the user manages. A managed key missing from the live map is
 * left out, so that the diff reports it removed. Keys the user does not manage never count, because
 * an adopted network may carry labels of its own, and Docker cannot change labels in place anyway.
 */
function managedEntries(
    stored: Record<string, string> | undefined,
    live: Record<string, string>,
): Record<string, string> | undefined {
    if (stored === undefined) {
        return undefined;
    }
    const result: Record<string, string> = {};
    for (const key of Object.keys(stored)) {
        if (live[key] !== undefined) {
            result[key] = live[key];
        }
    }
    return result;
}

/** Names the containers attached to a network, for messages. */
export function describeAttachments(network: ObservedNetwork): string {
    return network.endpoints
        .map((endpoint) => `${endpoint.name} (${endpoint.containerId.slice(0, 12)})`)
        .join(", ");
}

function pickInputs(source: ContainerNetworkInputs): ContainerNetworkInputs {
    return pickDefined(source, INPUT_KEYS);
}

function setIfDefined<T extends object, K extends keyof T>(target: T, key: K, value: T[K] | undefined): void {
    if (value === undefined) {
        delete target[key];
    } else {
        target[key] = value;
    }
}
