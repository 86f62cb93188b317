import type { DockerNetwork, HostState } from "./model";
import { getProfile } from "./profiles";

/** One entry of an inspect output's `Containers` map. */
export interface NetworkContainerView {
    Name: string;
    EndpointID: string;
    MacAddress: string;
    IPv4Address: string;
    IPv6Address: string;
}

/** `GET /networks/{id}` output, shaped like inspect output posted from Windows hosts. */
export interface NetworkView {
    Name: string;
    Id: string;
    Created: string;
    Scope: "local";
    Driver: string;
    EnableIPv4?: boolean;
    EnableIPv6: boolean;
    IPAM: {
        Driver: string;
        Options: Record<string, string> | null;
        Config: { Subnet: string; Gateway?: string }[];
    };
    Internal: boolean;
    Attachable: boolean;
    Ingress: boolean;
    ConfigFrom: { Network: string };
    ConfigOnly: boolean;
    Containers: Record<string, NetworkContainerView>;
    Options: Record<string, string>;
    Labels: Record<string, string>;
}

/**
 * Renders a network. `withContainers` fills `Containers` with the live endpoints, as inspect
 * does; the list endpoint leaves it empty.
 */
export function renderNetwork(
    state: HostState,
    network: DockerNetwork,
    withContainers: boolean,
): NetworkView {
    const profile = getProfile(state.profile);
    // EnableIPv4 sits between Driver and EnableIPv6, where 2025 engines print it.
    return {
        Name: network.name,
        Id: network.id,
        Created: network.created,
        Scope: "local",
        Driver: network.driver,
        ...(profile.reportsEnableIpv4 ? { EnableIPv4: true } : {}),
        EnableIPv6: false,
        IPAM: {
            Driver: profile.ipamDriverName,
            Options: profile.ipamOptionsEmptyObject ? {} : null,
            Config: network.ipamConfig.map((config) =>
                config.gateway === undefined
                    ? { Subnet: config.subnet }
                    : { Subnet: config.subnet, Gateway: config.gateway },
            ),
        },
        Internal: false,
        Attachable: network.attachable,
        Ingress: false,
        ConfigFrom: { Network: "" },
        ConfigOnly: false,
        Containers: withContainers ? containerViews(state, network) : {},
        Options: { ...network.options },
        Labels: { ...network.labels },
    };
}

function containerViews(state: HostState, network: DockerNetwork): Record<string, NetworkContainerView> {
    const views: Record<string, NetworkContainerView> = {};
    for (const container of state.containers) {
        for (const attachment of container.attachments) {
            const endpoint = attachment.endpoint;
            if (attachment.networkId !== network.id || endpoint === null) {
                continue;
            }
            views[container.id] = {
                Name: container.name,
                EndpointID: endpoint.endpointId,
                MacAddress: endpoint.macAddress,
                IPv4Address:
                    endpoint.ipv4Address === "" ? "" : `${endpoint.ipv4Address}/${endpoint.prefixLength}`,
                IPv6Address: "",
            };
        }
    }
    return views;
}
