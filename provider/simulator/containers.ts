import {
    attachContainer,
    createEndpoint,
    type EndpointRequest,
    releaseEndpoint,
    runDhcp,
} from "./attachments";
import { type JsonRecord, isRecord, optionalString, recordField, stringList, stringMap } from "./body";
import {
    containerNameConflict,
    EngineError,
    hostIpUnsupported,
    hostPortRangeUnsupported,
    invalidContainerName,
    networkNotFound,
    noSuchContainer,
    noSuchImage,
    removeRunningContainer,
} from "./errors";
import { dockerTimestamp, newDockerId } from "./ids";
import type { Container, DockerNetwork, HostState, Image, PortBinding } from "./model";
import { findNetwork } from "./networks";

/** Zero time as Docker prints it for a container that never started or stopped. */
export const ZERO_TIME = "0001-01-01T00:00:00Z";

const NAME_PATTERN = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

/** Finds a container by full id, name (with or without `/`) or unique id prefix. */
export function findContainer(state: HostState, term: string): Container {
    const name = term.startsWith("/") ? term.slice(1) : term;
    const exact = state.containers.find((container) => container.id === term || container.name === name);
    if (exact !== undefined) {
        return exact;
    }
    const byPrefix = term === "" ? [] : state.containers.filter((container) => container.id.startsWith(term));
    if (byPrefix.length === 1) {
        return byPrefix[0];
    }
    throw noSuchContainer(term);
}

/** Resolves an image reference; a reference without a tag means `:latest`, as Docker reads it. */
function findImage(state: HostState, reference: string): Image {
    const lastSegment = reference.split("/").pop() ?? reference;
    const tagged = lastSegment.includes(":") ? reference : `${reference}:latest`;
    const image = state.images.find(
        (candidate) => candidate.repoTags.includes(tagged) || candidate.id === reference,
    );
    if (image === undefined) {
        throw noSuchImage(reference);
    }
    return image;
}

/** Generates a container name in Docker's adjective_surname style. */
function generateName(state: HostState): string {
    const adjectives = ["brave", "calm", "eager", "gentle", "keen", "lucid", "quiet", "swift"];
    const surnames = ["hopper", "lovelace", "ritchie", "thompson", "torvalds", "turing", "wilkes", "wozniak"];
    for (;;) {
        const pick = (list: string[]): string => list[Math.floor(Math.random() * list.length)];
        const name = `${pick(adjectives)}_${pick(surnames)}${Math.floor(Math.random() * 100)}`;
        if (!state.containers.some((container) => container.name === name)) {
            return name;
        }
    }
}

function checkName(state: HostState, name: string): void {
    if (!NAME_PATTERN.test(name)) {
        throw invalidContainerName(name);
    }
    const owner = state.containers.find((container) => container.name === name);
    if (owner !== undefined) {
        throw containerNameConflict(name, owner.id);
    }
}

/** Reads `HostConfig.PortBindings` and applies the Windows NAT limits on them. */
function parsePortBindings(hostConfig: JsonRecord): PortBinding[] {
    const bindings: PortBinding[] = [];
    for (const [containerPort, value] of Object.entries(recordField(hostConfig, "PortBindings"))) {
        const entries = Array.isArray(value) ? value.filter(isRecord) : [];
        for (const entry of entries) {
            const hostPort = optionalString(entry, "HostPort") ?? "";
            const hostIp = optionalString(entry, "HostIp") ?? "";
            if (hostPort.includes("-")) {
                throw hostPortRangeUnsupported();
            }
            if (hostIp !== "" && hostIp !== "0.0.0.0") {
                throw hostIpUnsupported();
            }
            bindings.push({
                containerPort: containerPort.includes("/") ? containerPort : `${containerPort}/tcp`,
                hostIp,
                hostPort,
            });
        }
    }
    return bindings;
}

/** Reads the endpoint settings a create or connect request carries. */
export function parseEndpointRequest(settings: JsonRecord): EndpointRequest {
    const ipam = recordField(settings, "IPAMConfig");
    return {
        ipv4Address: optionalString(ipam, "IPv4Address") || null,
        macAddress: optionalString(settings, "MacAddress") || null,
    };
}

/**
 * Creates a container (`POST /containers/create`). The image must be on the host. The container
 * joins `HostConfig.NetworkMode` (default `nat`) and every network in
 * `NetworkingConfig.EndpointsConfig`, and each attachment gets its endpoint now.
 */
export function createContainer(
    state: HostState,
    nameQuery: string | null,
    body: JsonRecord,
): { Id: string; Warnings: string[] } {
    const reference = optionalString(body, "Image") ?? "";
    const image = findImage(state, reference);
    const name = nameQuery ?? generateName(state);
    checkName(state, name);
    const hostConfig = recordField(body, "HostConfig");
    const networkMode = optionalString(hostConfig, "NetworkMode") || "nat";
    const isolation = optionalString(hostConfig, "Isolation") === "hyperv" ? "hyperv" : "process";
    const id = newDockerId();
    const container: Container = {
        id,
        name,
        image: reference,
        imageId: image.id,
        created: dockerTimestamp(),
        status: "created",
        startedAt: ZERO_TIME,
        finishedAt: ZERO_TIME,
        exitCode: 0,
        hostname: optionalString(body, "Hostname") || id.slice(0, 12),
        cmd: stringList(body, "Cmd"),
        labels: stringMap(body, "Labels"),
        networkMode,
        isolation,
        portBindings: parsePortBindings(hostConfig),
        attachments: [],
    };
    attachRequestedNetworks(
        state,
        container,
        networkMode,
        recordField(recordField(body, "NetworkingConfig"), "EndpointsConfig"),
    );
    state.containers.push(container);
    return { Id: id, Warnings: [] };
}

function attachRequestedNetworks(
    state: HostState,
    container: Container,
    networkMode: string,
    endpoints: JsonRecord,
): void {
    const mode = networkMode === "default" ? "nat" : networkMode;
    const targets = new Map<string, JsonRecord>([[mode, {}]]);
    for (const [term, settings] of Object.entries(endpoints)) {
        targets.set(term, isRecord(settings) ? settings : {});
    }
    for (const [term, settings] of targets) {
        const network = findNetwork(state, term);
        attachContainer(state, container, network, parseEndpointRequest(settings));
    }
}

/** Starts a container; returns false when it was already running (the engine replies 304). */
export function startContainer(state: HostState, term: string): boolean {
    const container = findContainer(state, term);
    if (container.status === "running") {
        return false;
    }
    for (const attachment of container.attachments) {
        const network = resolveAttachmentNetwork(state, attachment.networkId, attachment.networkName);
        if (attachment.endpoint === null) {
            createEndpoint(state, container, network, attachment);
        }
    }
    runDhcp(state, container);
    container.status = "running";
    container.startedAt = dockerTimestamp();
    return true;
}

/** Finds an attachment's network by id, then by name (the default `nat` gets a new id after a reboot). */
function resolveAttachmentNetwork(state: HostState, networkId: string, networkName: string): DockerNetwork {
    const network =
        state.dockerNetworks.find((candidate) => candidate.id === networkId) ??
        state.dockerNetworks.find((candidate) => candidate.name === networkName);
    if (network === undefined) {
        throw networkNotFound(networkName);
    }
    return network;
}

/** Stops a container; returns false when it was not running (the engine replies 304). */
export function stopContainer(state: HostState, term: string): boolean {
    const container = findContainer(state, term);
    if (container.status !== "running") {
        return false;
    }
    container.status = "exited";
    container.finishedAt = dockerTimestamp();
    return true;
}

/** Removes a container and its endpoints; a running one needs `force`. */
export function removeContainer(state: HostState, term: string, force: boolean): void {
    const container = findContainer(state, term);
    if (container.status === "running" && !force) {
        throw removeRunningContainer(container.id);
    }
    container.attachments.forEach((attachment) => releaseEndpoint(state, attachment));
    state.containers = state.containers.filter((candidate) => candidate !== container);
}

/** Rejects a request body that is not a JSON object. */
export function requireRecord(value: unknown): JsonRecord {
    if (!isRecord(value)) {
        throw new EngineError(400, "invalid request: body must be a JSON object");
    }
    return value;
}
