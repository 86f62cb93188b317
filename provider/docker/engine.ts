import Docker from "dockerode";
import type { HostSpec } from "../host/spec";
import { normalizeNetworkInspect, ObservedNetwork } from "../model/networkInspect";
import type { NetworkCreateBody } from "../model/networkSpec";
import { normalizeContainer, type ObservedContainer } from "../model/staticEndpoint";
import { buildDockerOptions, DEFAULT_TIMEOUT_MS, LoopbackAddress } from "./connection";
import { EngineError, fromDockerError } from "./errors";

/** Engine facts from `/info` and `/version`, reduced to what the provider checks. */
export interface EngineInfo {
    /** `windows` or `linux`. */
    osType: string;
    operatingSystem: string;
    kernelVersion: string;
    serverVersion: string;
    /** Highest API version the engine speaks. */
    apiVersion: string;
    /** Lowest API version the engine accepts. */
    minApiVersion?: string;
    /** Network drivers the engine offers (`Plugins.Network`). */
    networkDrivers: string[];
    /** True when the engine is part of an active swarm, which overlay networks need. */
    swarmActive: boolean;
}

/** Starts or finds the simulated engine for a `sim:` URL. Injected so that this module stays free of it. */
export type SimulatedEngineStarter = (url: string) => Promise<LoopbackAddress>;

/**
 * The Docker operations the provider performs on one host. Every call has a time limit and every
 * failure is an {@link EngineError} whose message names the host and the operation.
 */
export class DockerEngine {
    private infoPromise?: Promise<EngineInfo>;

    private constructor(
        private readonly docker: Docker,
        private readonly unversioned: Docker,
        readonly hostName: string,
        private readonly timeoutMs: number,
    ) {}

    /** Connects to the host's engine from its spec only; ambient DOCKER_* variables are ignored. */
    static async connect(host: HostSpec, startSimulated?: SimulatedEngineStarter): Promise<DockerEngine> {
        let simulated: LoopbackAddress | undefined;
        if (host.docker.url.startsWith("sim:")) {
            if (!startSimulated) {
                throw new Error("sim: endpoints need the simulated engine module");
            }
            simulated = await startSimulated(host.docker.url);
        }
        const options = buildDockerOptions(host.docker, simulated);
        const docker = withoutDockerEnvironment(() => new Docker(options));
        const unversioned = withoutDockerEnvironment(() => new Docker({ ...options, version: undefined }));
        return new DockerEngine(docker, unversioned, host.name, host.docker.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    }

    /**
     * Reads `/version` and `/info` once per engine object. Both are read without the pinned API
     * version, because an engine rejects every versioned call when the pin is outside its range, and
     * the point of reading them is to report that range.
     */
    info(): Promise<EngineInfo> {
        if (!this.infoPromise) {
            this.infoPromise = this.readInfo();
            this.infoPromise.catch(() => (this.infoPromise = undefined));
        }
        return this.infoPromise;
    }

    private async readInfo(): Promise<EngineInfo> {
        const version = (await this.call("read the engine version", () =>
            this.unversioned.version(),
        )) as unknown as Record<string, unknown>;
        const info = (await this.call("read the engine info", () => this.unversioned.info())) as Record<
            string,
            unknown
        >;
        const plugins = (info.Plugins ?? {}) as { Network?: unknown };
        return {
            osType: String(info.OSType ?? version.Os ?? "").toLowerCase(),
            operatingSystem: String(info.OperatingSystem ?? ""),
            kernelVersion: String(info.KernelVersion ?? version.KernelVersion ?? ""),
            serverVersion: String(info.ServerVersion ?? version.Version ?? ""),
            apiVersion: String(version.ApiVersion ?? ""),
            minApiVersion: typeof version.MinAPIVersion === "string" ? version.MinAPIVersion : undefined,
            networkDrivers: Array.isArray(plugins.Network) ? plugins.Network.map(String) : [],
            swarmActive:
                (info.Swarm as { LocalNodeState?: unknown } | undefined)?.LocalNodeState === "active",
        };
    }

    /** Returns the network with that id, or undefined when the engine has none. */
    async inspectNetwork(id: string): Promise<ObservedNetwork | undefined> {
        try {
            const raw = await this.call(`inspect network ${id}`, () => this.docker.getNetwork(id).inspect());
            return normalizeNetworkInspect(raw);
        } catch (error) {
            if (EngineError.is(error, "not-found")) {
                return undefined;
            }
            throw error;
        }
    }

    /** Lists every network on the engine. Entries the engine returns without an id or name are skipped. */
    async listNetworks(): Promise<ObservedNetwork[]> {
        const list = await this.call("list networks", () => this.docker.listNetworks());
        const networks: ObservedNetwork[] = [];
        for (const raw of list) {
            try {
                networks.push(normalizeNetworkInspect(raw));
            } catch {
                // A network without an id or name cannot conflict with anything the provider creates.
            }
        }
        return networks;
    }

    /**
     * Returns the network whose name is exactly `name`. The engine's name filter matches parts of
     * names, so the result is filtered again here.
     */
    async findNetworkByName(name: string): Promise<ObservedNetwork | undefined> {
        const list = await this.call(`list networks named "${name}"`, () =>
            this.docker.listNetworks({ filters: { name: [name] } }),
        );
        const match = list.find((network) => network.Name === name);
        return match ? this.inspectNetwork(match.Id) : undefined;
    }

    /** Creates a network and returns its id. */
    async createNetwork(body: NetworkCreateBody): Promise<string> {
        const created = await this.call(`create network "${body.Name}"`, () =>
            this.docker.createNetwork(body as unknown as Docker.NetworkCreateOptions),
        );
        return created.id;
    }

    /** Removes a network; a network that is already gone counts as removed. */
    async removeNetwork(id: string, label: string): Promise<"removed" | "absent"> {
        try {
            await this.call(`remove network ${label}`, () => this.docker.getNetwork(id).remove());
            return "removed";
        } catch (error) {
            if (EngineError.is(error, "not-found")) {
                return "absent";
            }
            throw error;
        }
    }

    /** Disconnects a container from a network; a container or network that is gone counts as disconnected. */
    async disconnectContainer(networkId: string, containerId: string, label: string): Promise<void> {
        try {
            await this.call(`disconnect container ${containerId.slice(0, 12)} from network ${label}`, () =>
                this.docker.getNetwork(networkId).disconnect({ Container: containerId, Force: true }),
            );
        } catch (error) {
            if (!EngineError.is(error, "not-found")) {
                throw error;
            }
        }
    }

    /** Returns the container with that name or id, or undefined when the engine has none. */
    async inspectContainer(idOrName: string): Promise<ObservedContainer | undefined> {
        try {
            const raw = await this.call(`inspect container ${idOrName}`, () =>
                this.docker.getContainer(idOrName).inspect(),
            );
            return normalizeContainer(raw);
        } catch (error) {
            if (EngineError.is(error, "not-found")) {
                return undefined;
            }
            throw error;
        }
    }

    /** Lists every container attached to the network, stopped ones included. */
    async listContainersOnNetwork(networkId: string): Promise<ObservedContainer[]> {
        const list = await this.call(`list containers on network ${networkId.slice(0, 12)}`, () =>
            this.docker.listContainers({ all: true, filters: { network: [networkId] } }),
        );
        return list.map(normalizeContainer);
    }

    /** Lists the containers that are running now. */
    async listRunningContainers(): Promise<ObservedContainer[]> {
        const list = await this.call("list running containers", () =>
            this.docker.listContainers({ filters: { status: ["running"] } }),
        );
        return list.map(normalizeContainer);
    }

    /** Stops a container; one that is not running counts as stopped (the engine replies 304). */
    async stopContainer(id: string, label: string): Promise<void> {
        await this.ignoreNotModified(`stop container ${label}`, () => this.docker.getContainer(id).stop());
    }

    /** Starts a container; one that is already running counts as started (the engine replies 304). */
    async startContainer(id: string, label: string): Promise<void> {
        await this.ignoreNotModified(`start container ${label}`, () => this.docker.getContainer(id).start());
    }

    /**
     * Connects a container to a network with a static IPv4 address and optionally a MAC address in
     * Docker's form. The address goes in `IPAMConfig.IPv4Address`, because the engine ignores `IPAddress`.
     */
    async connectContainer(
        networkId: string,
        containerId: string,
        endpoint: { ipv4Address?: string; macAddress?: string },
        label: string,
    ): Promise<void> {
        const endpointConfig: Record<string, unknown> = {};
        if (endpoint.ipv4Address !== undefined) {
            endpointConfig.IPAMConfig = { IPv4Address: endpoint.ipv4Address };
        }
        if (endpoint.macAddress !== undefined) {
            endpointConfig.MacAddress = endpoint.macAddress;
        }
        await this.call(`connect container ${label}`, () =>
            this.docker
                .getNetwork(networkId)
                .connect({ Container: containerId, EndpointConfig: endpointConfig }),
        );
    }

    /** Runs a start or stop call, for which HTTP 304 means the container already is in that state. */
    private async ignoreNotModified(operation: string, run: () => Promise<unknown>): Promise<void> {
        try {
            await this.call(operation, run);
        } catch (error) {
            if (!(EngineError.isInstance(error) && error.statusCode === 304)) {
                throw error;
            }
        }
    }

    /** Runs one engine call under the time limit and converts its failure. */
    private async call<T>(operation: string, run: () => Promise<T>): Promise<T> {
        let timer: NodeJS.Timeout | undefined;
        const limit = new Promise<never>((_, reject) => {
            timer = setTimeout(
                () =>
                    reject(
                        Object.assign(new Error(`no response within ${this.timeoutMs} ms`), {
                            code: "ETIMEDOUT",
                        }),
                    ),
                this.timeoutMs,
            );
        });
        try {
            return await Promise.race([run(), limit]);
        } catch (error) {
            throw fromDockerError(error, { host: this.hostName, operation });
        } finally {
            clearTimeout(timer);
        }
    }
}

/** Variables docker-modem reads in its constructor whatever options it is given. */
const AMBIENT_DOCKER_VARIABLES = [
    "DOCKER_HOST",
    "DOCKER_TLS_VERIFY",
    "DOCKER_CERT_PATH",
    "DOCKER_CLIENT_TIMEOUT",
    "DOCKER_PATH_PREFIX",
    "SSH_AUTH_SOCK",
];

/**
 * Runs a synchronous constructor with the ambient Docker variables removed from the environment.
 * docker-modem merges them under explicit options (and its SSH agent over them), so a CI agent's
 * DOCKER_HOST or DOCKER_CERT_PATH would otherwise redirect the client or make it fail. Nothing else
 * runs in between because the function is synchronous.
 */
export function withoutDockerEnvironment<T>(construct: () => T): T {
    const saved: Record<string, string> = {};
    for (const name of AMBIENT_DOCKER_VARIABLES) {
        if (process.env[name] !== undefined) {
            saved[name] = process.env[name] as string;
            delete process.env[name];
        }
    }
    try {
        return construct();
    } finally {
        Object.assign(process.env, saved);
    }
}
