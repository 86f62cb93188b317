import type * as pulumi from "@pulumi/pulumi";
import type { DockerEngine } from "../docker/engine";
import { engineFor } from "../host/engines";
import type { HostFacts } from "../host/facts";
import { type HnsEndpoint, normalizeHnsEndpoints } from "../host/hns";
import { hasPowerShellChannel, hostOperations } from "../host/powershell";
import type { HostSpec } from "../host/spec";
import { FailureList, formatFailures } from "../model/failures";
import type { ObservedNetwork } from "../model/networkInspect";
import {
    type AddressHolder,
    type AddressSource,
    addressMismatch,
    checkAddressFitsNetwork,
    checkStaticEndpoint,
    type ContainerAttachment,
    diffStaticEndpoint,
    EndpointClaims,
    findAddressConflicts,
    findAttachment,
    findMacConflicts,
    type MacHolder,
    networkWarnings,
    type ObservedContainer,
    type StaticEndpointInputs,
} from "../model/staticEndpoint";
import { containsUnknown } from "../model/unknown";
import { OperationError } from "../powershell/operation";
import { RunnerError } from "../powershell/runner";
import { plainJson, warn } from "./common";
import { readFactsForApply, readHostView } from "./hostView";

export const staticEndpointProvider: pulumi.dynamic.ResourceProvider = {
    check,
    diff,
    create,
    read,
    update,
    delete: remove,
};

/** The inputs after check, with the stack-wide owner name the resource adds. */
type EndpointInputs = StaticEndpointInputs & { owner: string };

/** The recorded state of an endpoint: the inputs and what the provider observed on the host. */
interface EndpointOutputs extends EndpointInputs {
    containerId: string;
    containerName: string;
    networkId: string;
    networkName: string;
    networkDriver: string;
    endpointId: string;
    hnsEndpointId?: string;
    observedAddress: string;
    observedAddressSource: AddressSource;
    /** The MAC in effect; `macAddress` of the inputs is replaced by it. */
    macAddress?: string;
    requestedMacAddress: string | null;
}

/** Address, container and MAC claims of the StaticEndpoints checked in this provider process. */
const claims = new EndpointClaims();

/**
 * Validates inputs. Syntax always runs. The rules that need the host (the network and its subnet,
 * addresses already taken, the container and its state) run when the host responds. Otherwise
 * preview goes on with a warning, because create checks them again before it changes anything.
 */
async function check(
    olds: Record<string, unknown>,
    news: Record<string, unknown>,
): Promise<pulumi.dynamic.CheckResult> {
    const { inputs, failures } = checkStaticEndpoint(news);
    const keys = ["host", "container", "network", "ipv4Address", "macAddress", "allowStop"];
    if (failures.empty && keys.every((key) => !containsUnknown(inputs[key]))) {
        const typed = inputs as unknown as EndpointInputs;
        const subject = `static endpoint "${typed.container}" on "${typed.network}"`;
        const view = await readHostView(typed.host, subject, failures, { wantFacts: true });
        if (view && failures.empty) {
            const isNew = Object.keys(olds).length === 0;
            await evaluate(typed, view.engine, view.facts, { mode: "check", isNew }, failures);
        }
    }
    return { inputs: plainJson(inputs), failures: failures.items };
}

/** The host objects {@link evaluate} found; each part is undefined when it is not on the host. */
interface HostState {
    network?: ObservedNetwork;
    container?: ObservedContainer;
    /** The container's current attachment to the network. */
    attachment?: ContainerAttachment;
    /** The HNS endpoints of the network, or undefined without a PowerShell channel. */
    hnsEndpoints?: HnsEndpoint[];
}

/**
 * Checks the inputs against the host: the network exists and takes static addresses, the address
 * fits its subnet and no other endpoint uses it, the container exists, and a running container may be
 * stopped when its attachment has to change. Check (`mode: "check"`) warns where create may still
 * succeed (a network or container this stack creates first); create and update fail instead.
 */
async function evaluate(
    inputs: EndpointInputs,
    engine: DockerEngine,
    facts: HostFacts | undefined,
    options: { mode: "check" | "apply"; isNew: boolean },
    failures: FailureList,
): Promise<HostState> {
    const subject = `static endpoint "${inputs.container}" on "${inputs.network}"`;
    const network = await findNetwork(engine, inputs.network);
    const container = await engine.inspectContainer(inputs.container);
    if (!container) {
        notFound("container", `container "${inputs.container}" was not found on host ${engine.hostName}`);
    }
    if (!network) {
        notFound(
            "network",
            `network "${inputs.network}" was not found on host ${engine.hostName}; create it with a subnet and gateway`,
        );
        // A host adapter's address is taken whatever network the stack creates, so preview reports
        // it before the switch and network are made.
        const hostAddresses = (facts?.ipAddresses ?? []).map((entry) => ({
            kind: "host-adapter" as const,
            interfaceAlias: entry.interfaceAlias,
            address: entry.address,
        }));
        for (const reason of findAddressConflicts(inputs.ipv4Address, hostAddresses, {})) {
            failures.add("ipv4Address", reason);
        }
        return { container };
    }
    const attachment = container ? findAttachment(container, network) : undefined;
    const state: HostState = { network, container, attachment };

    checkAddressFitsNetwork(inputs.ipv4Address, network, failures);
    if (!failures.empty) {
        return state;
    }
    if (options.mode === "check") {
        for (const message of networkWarnings(inputs.ipv4Address, network)) {
            warn(`${subject}: ${message}`);
        }
    }

    state.hnsEndpoints = await readHnsEndpoints(inputs.host, network, subject, options.mode);
    const holders = await collectHolders(engine, network, facts, state.hnsEndpoints);
    const conflict = claims.claim(
        inputs.owner,
        inputs.host.docker.url,
        network.id,
        inputs.ipv4Address,
        container?.id ?? inputs.container,
        inputs.macAddress,
    );
    if (conflict.address !== undefined) {
        holders.addresses.push({ kind: "stack", owner: conflict.address, address: inputs.ipv4Address });
    }
    if (conflict.container !== undefined) {
        failures.add(
            "container",
            `"${inputs.container}" is also given a static address on network "${network.name}" by ${conflict.container}; ` +
                "a container has one endpoint per network, so keep one of the two resources",
        );
    }
    if (conflict.macAddress !== undefined) {
        failures.add(
            "macAddress",
            `MAC ${inputs.macAddress} is also requested by ${conflict.macAddress} on the same host and network; ` +
                "give each endpoint its own MAC, or leave macAddress out so that the host chooses one",
        );
    }
    const hnsEndpoint =
        container && attachment ? matchHnsEndpoint(state.hnsEndpoints, container.id, attachment) : undefined;
    const self = { containerId: container?.id, hnsEndpointId: hnsEndpoint?.id };
    for (const reason of findAddressConflicts(inputs.ipv4Address, holders.addresses, self)) {
        failures.add("ipv4Address", reason);
    }
    if (inputs.macAddress !== undefined) {
        for (const reason of findMacConflicts(inputs.macAddress, holders.macs, self)) {
            failures.add("macAddress", reason);
        }
    }

    if (container && attachment && options.isNew && !attachmentMatches(attachment, inputs)) {
        failures.add(
            "container",
            `container "${container.name}" is already attached to network "${network.name}" with ` +
                `${describeAttachment(attachment)}. Disconnect it first (docker network disconnect), or request that address`,
        );
    }
    if (container?.running && !inputs.allowStop && !(attachment && attachmentMatches(attachment, inputs))) {
        failures.add("allowStop", runningMessage(container.name));
    }
    return state;

    function notFound(property: string, message: string): void {
        if (options.mode === "check") {
            warn(
                `${subject}: ${message}. If this stack creates it, create checks it again before changing anything`,
            );
        } else {
            failures.add(property, message);
        }
    }
}

function runningMessage(containerName: string): string {
    return (
        `container "${containerName}" is running; Windows applies a static address only to a stopped container. ` +
        "Set allowStop: true to let the provider stop it, change its network attachment and start it again, " +
        "or stop the container yourself before running again"
    );
}

/** True when the attachment already has the requested address (and MAC, when one is requested). */
function attachmentMatches(attachment: ContainerAttachment, inputs: StaticEndpointInputs): boolean {
    const address = attachment.requestedIpv4Address ?? attachment.ipv4Address;
    return (
        address === inputs.ipv4Address &&
        (inputs.macAddress === undefined || attachment.macAddress === inputs.macAddress)
    );
}

function describeAttachment(attachment: ContainerAttachment): string {
    const address = attachment.requestedIpv4Address ?? attachment.ipv4Address;
    const mac = attachment.macAddress ? ` and MAC ${attachment.macAddress}` : "";
    return address ? `address ${address}${mac}` : `no static address${mac}`;
}

/**
 * Finds a network by exact name or by id (or unique id prefix). The engine's inspect also matches
 * other prefixes, so the result is checked against the term.
 */
async function findNetwork(engine: DockerEngine, term: string): Promise<ObservedNetwork | undefined> {
    const byName = await engine.findNetworkByName(term);
    if (byName) {
        return byName;
    }
    const byId = /^[0-9a-f]{6,64}$/i.test(term) ? await engine.inspectNetwork(term) : undefined;
    return byId && byId.id.startsWith(term.toLowerCase()) ? byId : undefined;
}

/**
 * Lists the addresses and MACs on the network's segment: Docker's containers, the network's HNS
 * endpoints and the host's adapters.
 */
async function collectHolders(
    engine: DockerEngine,
    network: ObservedNetwork,
    facts: HostFacts | undefined,
    hnsEndpoints: HnsEndpoint[] | undefined,
): Promise<{ addresses: AddressHolder[]; macs: MacHolder[] }> {
    const addresses: AddressHolder[] = [];
    const macs: MacHolder[] = [];
    for (const container of await engine.listContainersOnNetwork(network.id)) {
        for (const attachment of container.attachments) {
            if (attachment.networkId !== network.id && attachment.networkName !== network.name) {
                continue;
            }
            const holder = {
                containerId: container.id,
                containerName: container.name,
                networkName: network.name,
            };
            for (const address of new Set([attachment.ipv4Address, attachment.requestedIpv4Address])) {
                if (address !== undefined) {
                    addresses.push({ kind: "container", ...holder, address });
                }
            }
            if (attachment.macAddress !== undefined) {
                macs.push({ kind: "container", ...holder, macAddress: attachment.macAddress });
            }
        }
    }
    for (const endpoint of hnsEndpoints ?? []) {
        const holder = { endpointId: endpoint.id, containerIds: endpoint.containerIds };
        if (endpoint.ipAddress) {
            addresses.push({ kind: "hns-endpoint", ...holder, address: endpoint.ipAddress });
        }
        if (endpoint.mac) {
            macs.push({ kind: "hns-endpoint", ...holder, macAddress: endpoint.mac });
        }
    }
    for (const address of facts?.ipAddresses ?? []) {
        addresses.push({
            kind: "host-adapter",
            interfaceAlias: address.interfaceAlias,
            address: address.address,
        });
    }
    for (const adapter of facts?.adapters ?? []) {
        if (adapter.mac) {
            macs.push({ kind: "host-adapter", adapterName: adapter.name, macAddress: adapter.mac });
        }
    }
    return { addresses, macs };
}

/**
 * Reads the HNS endpoints of the network with `get-hns-endpoints`. Returns undefined when the host
 * has no PowerShell channel or the network no HNS id. In check a failed read gives a warning; in
 * create and update it fails, because the address checks need it.
 */
async function readHnsEndpoints(
    host: HostSpec,
    network: ObservedNetwork,
    subject: string,
    mode: "check" | "apply",
): Promise<HnsEndpoint[] | undefined> {
    if (!hasPowerShellChannel(host) || network.hnsId === undefined) {
        return undefined;
    }
    try {
        const result = await hostOperations(host).run("get-hns-endpoints", { networkId: network.hnsId });
        return normalizeHnsEndpoints(result.endpoints);
    } catch (error) {
        if (mode === "check" && (RunnerError.isInstance(error) || OperationError.isInstance(error))) {
            warn(
                `${subject}: reading the HNS endpoints of host ${host.name} failed (${(error as Error).message}). ` +
                    "Continuing without them; create reads them again before changing anything.",
            );
            return undefined;
        }
        throw error;
    }
}

/**
 * Finds the HNS endpoint of a container's attachment: Docker names the HNS endpoint after its own
 * endpoint id, and HNS lists the containers that share an endpoint.
 */
function matchHnsEndpoint(
    endpoints: HnsEndpoint[] | undefined,
    containerId: string,
    attachment: ContainerAttachment,
): HnsEndpoint | undefined {
    const list = endpoints ?? [];
    const endpointId = attachment.endpointId.toLowerCase();
    return (
        list.find((endpoint) => endpointId !== "" && endpoint.name?.toLowerCase() === endpointId) ??
        list.find((endpoint) => endpoint.containerIds.includes(containerId.toLowerCase()))
    );
}

/** Compares states without I/O: host, container or network changes replace, the rest updates in place. */
async function diff(
    _id: string,
    olds: Record<string, unknown>,
    news: Record<string, unknown>,
): Promise<pulumi.dynamic.DiffResult> {
    const { replaces, updates } = diffStaticEndpoint(olds, news);
    return {
        changes: replaces.length + updates.length > 0,
        replaces,
        deleteBeforeReplace: true,
    };
}

/** Checks the inputs against the host again, because preview may have run without it, and throws on any failure. */
async function validateForApply(
    raw: Record<string, unknown>,
    isNew: boolean,
): Promise<{
    inputs: EndpointInputs;
    engine: DockerEngine;
    state: Required<Pick<HostState, "network" | "container">> & HostState;
}> {
    const { inputs, failures } = checkStaticEndpoint(raw);
    const typed = inputs as unknown as EndpointInputs;
    let engine: DockerEngine | undefined;
    let state: HostState = {};
    if (failures.empty) {
        engine = await engineFor(typed.host);
        state = await evaluate(
            typed,
            engine,
            await readFactsForApply(typed.host),
            { mode: "apply", isNew },
            failures,
        );
    }
    if (!failures.empty || !engine || !state.network || !state.container) {
        throw new Error(
            `static endpoint "${String(raw.container)}" on "${String(raw.network)}" has invalid inputs:\n` +
                formatFailures(failures.items),
        );
    }
    return {
        inputs: typed,
        engine,
        state: state as Required<Pick<HostState, "network" | "container">> & HostState,
    };
}

/** The address the host shows for an endpoint, and where it was read. */
interface ObservedEndpoint {
    attachment: ContainerAttachment;
    address?: string;
    source: AddressSource;
    hnsEndpointId?: string;
}

/**
 * Reads the container's endpoint on the network as the host reports it: the HNS endpoint's address
 * when the host has a PowerShell channel, else Docker's, which on Windows keeps showing the
 * requested address even when DHCP replaced it. Returns undefined when the container is gone or
 * no longer attached.
 */
async function observeEndpoint(
    engine: DockerEngine,
    host: HostSpec,
    containerId: string,
    network: { id: string; name: string; hnsId?: string },
    subject: string,
): Promise<ObservedEndpoint | undefined> {
    const container = await engine.inspectContainer(containerId);
    const attachment = container ? findAttachment(container, network) : undefined;
    if (!container || !attachment) {
        return undefined;
    }
    const dockerAddress = attachment.ipv4Address ?? attachment.requestedIpv4Address;
    if (!hasPowerShellChannel(host)) {
        warn(
            `${subject}: host ${host.name} has no host.powershell settings, so the address was read from Docker, ` +
                "which keeps showing the requested address even when DHCP on the segment replaced it. " +
                "Set host.powershell to verify the address on the host's HNS endpoint",
        );
        return { attachment, address: dockerAddress, source: "docker" };
    }
    const hnsId = network.hnsId ?? (await engine.inspectNetwork(network.id))?.hnsId;
    const endpoints =
        hnsId === undefined
            ? []
            : normalizeHnsEndpoints(
                  (await hostOperations(host).run("get-hns-endpoints", { networkId: hnsId })).endpoints,
              );
    const hnsEndpoint = matchHnsEndpoint(endpoints, container.id, attachment);
    if (!hnsEndpoint) {
        if (container.running) {
            warn(
                `${subject}: host ${host.name} shows no HNS endpoint for the running container, so the address was read from Docker`,
            );
        }
        return { attachment, address: dockerAddress, source: "docker" };
    }
    return {
        attachment,
        address: hnsEndpoint.ipAddress || undefined,
        source: "hns",
        hnsEndpointId: hnsEndpoint.id,
    };
}

/** Builds the recorded outputs from the inputs and the observed endpoint. */
function endpointOutputs(
    inputs: EndpointInputs,
    container: ObservedContainer,
    network: ObservedNetwork,
    observed: ObservedEndpoint,
): EndpointOutputs {
    return {
        ...inputs,
        containerId: container.id,
        containerName: container.name,
        networkId: network.id,
        networkName: network.name,
        networkDriver: network.driver,
        endpointId: observed.attachment.endpointId,
        hnsEndpointId: observed.hnsEndpointId,
        observedAddress: observed.address ?? "",
        observedAddressSource: observed.source,
        macAddress: observed.attachment.macAddress ?? inputs.macAddress,
        requestedMacAddress: inputs.macAddress ?? null,
    };
}

/** Builds the resource id from the container and network ids, which a reconnect does not change. */
function endpointId(containerId: string, networkId: string): string {
    return `${containerId}/${networkId}`;
}

/**
 * Attaches the container with the requested address. A running container is stopped, connected and
 * started again (which needs allowStop); a stopped one stays stopped. After the change the address
 * is read from the host; when it differs, every step is undone so that nothing is half-done.
 */
async function create(raw: Record<string, unknown>): Promise<pulumi.dynamic.CreateResult> {
    const { inputs, engine, state } = await validateForApply(raw, true);
    const { network, container } = state;
    const subject = `static endpoint "${container.name}" on "${network.name}"`;
    const id = endpointId(container.id, network.id);
    const partial = () =>
        plainJson({
            ...inputs,
            containerId: container.id,
            networkId: network.id,
            __provider: raw.__provider,
        });

    if (state.attachment) {
        // The container already has exactly this address, for example from an earlier run that failed
        // after connecting: verify it and record it.
        const observed = await observeEndpoint(engine, inputs.host, container.id, network, subject);
        if (observed) {
            failOnMismatch(inputs, container, network, observed, engine.hostName);
            return { id, outs: plainJson(endpointOutputs(inputs, container, network, observed)) };
        }
    }
    const observed = await reattach(engine, inputs, container, network, undefined, subject, partial);
    return { id, outs: plainJson(endpointOutputs(inputs, container, network, observed)) };
}

/**
 * The attachment a reconnect replaces. Docker's inspect shows the MAC in effect but not whether it
 * was requested, so `macRequested` comes from the recorded state.
 */
interface PreviousAttachment {
    attachment: ContainerAttachment;
    macRequested: boolean;
}

/**
 * Moves the container's attachment to the requested address: stop when running, disconnect the
 * previous attachment when there is one, connect, start again, and verify. On failure it undoes
 * the steps in reverse order and reconnects the previous attachment. When the undo fails too, the
 * error names what is left and carries the partial state for Pulumi to record.
 */
async function reattach(
    engine: DockerEngine,
    inputs: EndpointInputs,
    container: ObservedContainer,
    network: ObservedNetwork,
    previous: PreviousAttachment | undefined,
    subject: string,
    partial: () => Record<string, unknown>,
): Promise<ObservedEndpoint> {
    const label = `"${container.name}"`;
    const wasRunning = container.running;
    const done = { stopped: false, disconnected: false, connected: false, started: false };
    try {
        if (wasRunning) {
            await engine.stopContainer(container.id, label);
            done.stopped = true;
        }
        if (previous) {
            await engine.disconnectContainer(network.id, container.id, `"${network.name}"`);
            done.disconnected = true;
        }
        await engine.connectContainer(
            network.id,
            container.id,
            { ipv4Address: inputs.ipv4Address, macAddress: inputs.macAddress },
            `${label} to network "${network.name}" with address ${inputs.ipv4Address}`,
        );
        done.connected = true;
        if (wasRunning) {
            await engine.startContainer(container.id, label);
            done.started = true;
        }
        const observed = await observeEndpoint(engine, inputs.host, container.id, network, subject);
        if (!observed) {
            throw new Error(
                `${subject}: the container is not attached to the network right after connecting it`,
            );
        }
        failOnMismatch(inputs, container, network, observed, engine.hostName);
        return observed;
    } catch (error) {
        const problems = await undo(engine, container, network, previous, wasRunning, done);
        const cause = (error as Error).message;
        if (problems.length === 0) {
            throw new Error(`${cause}. The change was undone: the container is as it was before`);
        }
        const message =
            `${cause}. Undoing the change also failed (${problems.join("; ")}); check container "${container.name}" ` +
            `on network "${network.name}" on host ${engine.hostName}. The endpoint is recorded in the stack so that ` +
            "the next update or destroy can handle it";
        throw Object.assign(new Error(message), {
            id: endpointId(container.id, network.id),
            properties: partial(),
            reasons: [message],
        });
    }
}

/** Reverses the steps of {@link reattach} that ran and returns the failures of the undo. */
async function undo(
    engine: DockerEngine,
    container: ObservedContainer,
    network: ObservedNetwork,
    previous: PreviousAttachment | undefined,
    wasRunning: boolean,
    done: { stopped: boolean; disconnected: boolean; connected: boolean; started: boolean },
): Promise<string[]> {
    const label = `"${container.name}"`;
    const problems: string[] = [];
    const attempt = async (step: string, run: () => Promise<void>) => {
        try {
            await run();
        } catch (error) {
            problems.push(`${step}: ${(error as Error).message}`);
        }
    };
    if (done.started) {
        await attempt("stop", () => engine.stopContainer(container.id, label));
    }
    if (done.connected) {
        await attempt("disconnect", () =>
            engine.disconnectContainer(network.id, container.id, `"${network.name}"`),
        );
    }
    if (previous && done.disconnected) {
        const address = previous.attachment.requestedIpv4Address;
        // A MAC the host chose is left to the host again, so that the undo does not pin it.
        const macAddress = previous.macRequested ? previous.attachment.macAddress : undefined;
        await attempt("reconnect the previous address", () =>
            engine.connectContainer(
                network.id,
                container.id,
                { ipv4Address: address, macAddress },
                `${label} to network "${network.name}" with its previous address ${address ?? "(none)"}`,
            ),
        );
    }
    if (wasRunning && (done.stopped || done.started)) {
        await attempt("start", () => engine.startContainer(container.id, label));
    }
    return problems;
}

/** Throws when the host shows another address than the requested one. */
function failOnMismatch(
    inputs: EndpointInputs,
    container: ObservedContainer,
    network: ObservedNetwork,
    observed: ObservedEndpoint,
    hostName: string,
): void {
    if (observed.source !== "hns") {
        return;
    }
    const mismatch = addressMismatch(inputs.ipv4Address, observed.address, {
        container: container.name,
        network: network.name,
        driver: network.driver,
        hostName,
    });
    if (mismatch !== undefined) {
        throw new Error(mismatch);
    }
}

/**
 * Reads the endpoint as it is now. A container that is gone or no longer attached means the
 * endpoint is gone. Otherwise the address and MAC are the ones the host shows, so a DHCP override
 * after a restart shows as drift.
 */
async function read(id: string, props: Record<string, unknown>): Promise<pulumi.dynamic.ReadResult> {
    const stored = props as unknown as EndpointOutputs;
    const engine = await engineFor(stored.host);
    const network = { id: stored.networkId, name: stored.networkName };
    const subject = `static endpoint "${stored.containerName ?? stored.container}" on "${stored.networkName ?? stored.network}"`;
    const observed = await observeEndpoint(engine, stored.host, stored.containerId, network, subject);
    if (!observed) {
        return { id: "" };
    }

    const address = observed.address ?? stored.ipv4Address;
    const mac = observed.attachment.macAddress ?? stored.macAddress;
    const refreshed: EndpointOutputs = {
        ...stored,
        ipv4Address: address,
        networkId: observed.attachment.networkId || stored.networkId,
        endpointId: observed.attachment.endpointId,
        hnsEndpointId: observed.hnsEndpointId,
        observedAddress: address,
        observedAddressSource: observed.source,
        macAddress: mac,
        requestedMacAddress: stored.requestedMacAddress ? (mac ?? null) : null,
    };

    const inputs: Record<string, unknown> = {
        host: stored.host,
        container: stored.container,
        network: stored.network,
        ipv4Address: address,
        allowStop: stored.allowStop,
        owner: stored.owner,
    };
    if (stored.requestedMacAddress) {
        inputs.macAddress = mac;
    }
    return { id, props: plainJson(refreshed), inputs: plainJson(inputs) };
}

/**
 * Applies an address or MAC change by reconnecting the container (stopping it when it runs, which
 * needs allowStop) and verifying the result. Other changes only update what the provider records.
 */
async function update(
    id: string,
    olds: Record<string, unknown>,
    news: Record<string, unknown>,
): Promise<pulumi.dynamic.UpdateResult> {
    const stored = olds as unknown as EndpointOutputs;
    const { inputs, engine, state } = await validateForApply(news, false);
    const { network, container } = state;
    const subject = `static endpoint "${container.name}" on "${network.name}"`;
    if (!state.attachment) {
        throw new Error(
            `${subject}: container "${container.name}" is no longer attached to network "${network.name}" on host ` +
                `${engine.hostName}; run \`pulumi refresh\` so that the next \`pulumi up\` attaches it again`,
        );
    }
    const { updates } = diffStaticEndpoint(olds, news);
    const partial = () => plainJson({ ...stored, ...inputs, __provider: news.__provider });
    let observed: ObservedEndpoint | undefined;
    if (updates.includes("ipv4Address") || updates.includes("macAddress")) {
        const previous = {
            attachment: state.attachment,
            macRequested: typeof stored.requestedMacAddress === "string",
        };
        observed = await reattach(engine, inputs, container, network, previous, subject, partial);
    } else {
        observed = await observeEndpoint(engine, inputs.host, container.id, network, subject);
    }
    if (!observed) {
        throw new Error(`${subject}: the container is no longer attached to the network`);
    }
    return { outs: plainJson(endpointOutputs(inputs, container, network, observed)) };
}

/**
 * Disconnects the container from the network. A container that is gone or already disconnected
 * counts as deleted. A running container is stopped and started again around the disconnect when
 * allowStop is set. Otherwise the disconnect is tried as it is, and a failure explains the choice.
 */
async function remove(_id: string, props: Record<string, unknown>): Promise<void> {
    const stored = props as unknown as EndpointOutputs;
    const engine = await engineFor(stored.host);
    const container = await engine.inspectContainer(stored.containerId);
    const attachment = container
        ? findAttachment(container, { id: stored.networkId, name: stored.networkName })
        : undefined;
    if (!container || !attachment) {
        return;
    }
    const label = `"${container.name}"`;
    const networkLabel = `"${attachment.networkName}"`;
    if (!container.running || !stored.allowStop) {
        try {
            await engine.disconnectContainer(attachment.networkId, container.id, networkLabel);
        } catch (error) {
            if (container.running) {
                throw new Error(
                    `${(error as Error).message}. Container ${label} is running, and Windows may change its network ` +
                        "attachments only while it is stopped. The stack recorded allowStop: false for this endpoint, " +
                        "so the provider did not stop the container. Stop it yourself and run again, or set " +
                        "allowStop: true on the endpoint, run `pulumi up` so that the stack records it, and then " +
                        "remove the endpoint",
                );
            }
            throw error;
        }
        return;
    }
    await engine.stopContainer(container.id, label);
    try {
        await engine.disconnectContainer(attachment.networkId, container.id, networkLabel);
    } finally {
        await engine.startContainer(container.id, label);
    }
}
