import type { Attachment, Container, HostState } from "./model";
import { type Filters, matchesExact, matchesLabels, matchesSubstring } from "./filters";

/** Filters `GET /containers/json` accepts. */
export const CONTAINER_FILTERS = ["id", "name", "label", "status", "network"] as const;

/** One entry of `NetworkSettings.Networks`. */
export interface EndpointSettingsView {
    IPAMConfig: { IPv4Address: string } | null;
    Links: null;
    Aliases: null;
    MacAddress: string;
    NetworkID: string;
    EndpointID: string;
    Gateway: string;
    IPAddress: string;
    IPPrefixLen: number;
    IPv6Gateway: string;
    GlobalIPv6Address: string;
    GlobalIPv6PrefixLen: number;
    DriverOpts: null;
}

function endpointSettings(attachment: Attachment): EndpointSettingsView {
    const endpoint = attachment.endpoint;
    return {
        IPAMConfig: attachment.requestedIpv4 === null ? null : { IPv4Address: attachment.requestedIpv4 },
        Links: null,
        Aliases: null,
        MacAddress: endpoint?.macAddress ?? "",
        NetworkID: attachment.networkId,
        EndpointID: endpoint?.endpointId ?? "",
        Gateway: endpoint?.gateway ?? "",
        IPAddress: endpoint?.ipv4Address ?? "",
        IPPrefixLen: endpoint?.prefixLength ?? 0,
        IPv6Gateway: "",
        GlobalIPv6Address: "",
        GlobalIPv6PrefixLen: 0,
        DriverOpts: null,
    };
}

function networksView(container: Container): Record<string, EndpointSettingsView> {
    const networks: Record<string, EndpointSettingsView> = {};
    container.attachments.forEach((attachment) => {
        networks[attachment.networkName] = endpointSettings(attachment);
    });
    return networks;
}

function portsView(container: Container): Record<string, { HostIp: string; HostPort: string }[]> {
    const ports: Record<string, { HostIp: string; HostPort: string }[]> = {};
    container.portBindings.forEach((binding) => {
        ports[binding.containerPort] = [
            ...(ports[binding.containerPort] ?? []),
            { HostIp: "0.0.0.0", HostPort: binding.hostPort },
        ];
    });
    return ports;
}

/** `GET /containers/{id}/json` output: the fields a Windows engine returns that the provider reads. */
export function renderContainerInspect(container: Container): Record<string, unknown> {
    const running = container.status === "running";
    return {
        Id: container.id,
        Created: container.created,
        Path: container.cmd[0] ?? "c:\\windows\\system32\\cmd.exe",
        Args: container.cmd.slice(1),
        State: {
            Status: container.status,
            Running: running,
            Paused: false,
            Restarting: false,
            OOMKilled: false,
            Dead: false,
            Pid: running ? 4242 : 0,
            ExitCode: container.exitCode,
            Error: "",
            StartedAt: container.startedAt,
            FinishedAt: container.finishedAt,
        },
        Image: container.imageId,
        Name: `/${container.name}`,
        RestartCount: 0,
        Driver: "windowsfilter",
        Platform: "windows",
        HostConfig: {
            NetworkMode: container.networkMode,
            Isolation: container.isolation,
            PortBindings: portsView(container),
        },
        Config: {
            Hostname: container.hostname,
            Image: container.image,
            Cmd: container.cmd,
            Labels: { ...container.labels },
        },
        NetworkSettings: {
            SandboxID: running ? container.id : "",
            Ports: running ? portsView(container) : {},
            Networks: networksView(container),
        },
    };
}

/** `GET /containers/json` entry. */
export function renderContainerSummary(container: Container): Record<string, unknown> {
    return {
        Id: container.id,
        Names: [`/${container.name}`],
        Image: container.image,
        ImageID: container.imageId,
        Command: container.cmd.join(" "),
        Created: Math.floor(Date.parse(container.created) / 1000),
        Ports: container.portBindings.map((binding) => ({
            IP: "0.0.0.0",
            PrivatePort: Number(binding.containerPort.split("/")[0]),
            PublicPort: Number(binding.hostPort),
            Type: binding.containerPort.split("/")[1] ?? "tcp",
        })),
        Labels: { ...container.labels },
        State: container.status,
        Status: statusText(container),
        HostConfig: { NetworkMode: container.networkMode },
        NetworkSettings: { Networks: networksView(container) },
        Mounts: [],
    };
}

function statusText(container: Container): string {
    if (container.status === "running") {
        return "Up";
    }
    return container.status === "exited" ? `Exited (${container.exitCode})` : "Created";
}

/** Applies `all` and `GET /containers/json` filters. */
export function listContainers(state: HostState, all: boolean, filters: Filters): Container[] {
    return state.containers.filter(
        (container) =>
            (all || container.status === "running" || filters.has("status")) &&
            matchesSubstring(filters, "name", container.name) &&
            matchesSubstring(filters, "id", container.id) &&
            matchesExact(filters, "status", container.status) &&
            matchesLabels(filters, container.labels) &&
            matchesNetwork(filters, container),
    );
}

function matchesNetwork(filters: Filters, container: Container): boolean {
    const values = filters.get("network");
    return (
        values === undefined ||
        container.attachments.some(
            (attachment) => values.includes(attachment.networkName) || values.includes(attachment.networkId),
        )
    );
}
