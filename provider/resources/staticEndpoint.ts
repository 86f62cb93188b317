import * as pulumi from "@pulumi/pulumi";
import type { HostSpec } from "../host/spec";
import { shellProvider } from "../runtime/shell";
import { TYPE_MODULE } from "./containerNetwork";

/**
 * The serialized provider of every StaticEndpoint: one module-level object, because the SDK caches
 * serialization per provider object.
 * @internal
 */
export const staticEndpointShell = shellProvider("StaticEndpoint");

/** Inputs of a {@link StaticEndpoint}. */
export interface StaticEndpointArgs {
    /** The host whose Docker engine runs the container. Changing its Docker URL replaces the endpoint. */
    host: pulumi.Input<HostSpec>;
    /** Name or id of an existing container. Changing it replaces the endpoint. */
    container: pulumi.Input<string>;
    /**
     * Name or id of a user-defined network created with a subnet and gateway, usually transparent
     * or l2bridge. Changing it replaces the endpoint.
     */
    network: pulumi.Input<string>;
    /** The container's IPv4 address on the network, inside its subnet. Changing it reconnects the container. */
    ipv4Address: pulumi.Input<string>;
    /**
     * MAC address of the endpoint, in any common form (`00:15:5d:0a:0b:0c`, `00-15-5D-0A-0B-0C`); it
     * is stored in Docker's form. It must be unicast and not used by another endpoint of the network
     * or by a host adapter. Changing it reconnects the container.
     * @default a MAC the host chooses
     */
    macAddress?: pulumi.Input<string>;
    /**
     * Let the provider stop a running container to change its network attachment and start it again
     * afterwards. Windows applies a static address only while a container is stopped, so without it
     * create and address changes fail on a running container before changing anything. Delete uses the
     * value the stack recorded at the last update: without it, delete disconnects the running
     * container as it is and fails with advice when Windows rejects that.
     * @default false
     */
    allowStop?: pulumi.Input<boolean>;
}

/**
 * A container attached to a network with a fixed IPv4 address (and optionally a fixed MAC). The
 * address is checked against the network's subnet and gateway and against every other endpoint, and
 * after each start it is compared with what the host's HNS endpoint shows, because DHCP on a
 * transparent segment can replace it. Port mappings are not managed here: on Windows they are fixed
 * when the container is created.
 */
export class StaticEndpoint extends pulumi.dynamic.Resource {
    declare readonly container: pulumi.Output<string>;
    declare readonly network: pulumi.Output<string>;
    /** The requested address; after a refresh, the address the host shows. */
    declare readonly ipv4Address: pulumi.Output<string>;
    declare readonly allowStop: pulumi.Output<boolean>;
    /** The full Docker container id. */
    declare readonly containerId: pulumi.Output<string>;
    declare readonly containerName: pulumi.Output<string>;
    /** The Docker network id. */
    declare readonly networkId: pulumi.Output<string>;
    declare readonly networkName: pulumi.Output<string>;
    declare readonly networkDriver: pulumi.Output<string>;
    /** Docker's endpoint id, which changes each time the container is reconnected. */
    declare readonly endpointId: pulumi.Output<string>;
    /** The HNS endpoint id, lower case; absent when the host has no PowerShell channel or no HNS endpoint yet. */
    declare readonly hnsEndpointId: pulumi.Output<string | undefined>;
    /** The address the host's HNS endpoint shows, or Docker's address without a PowerShell channel. */
    declare readonly observedAddress: pulumi.Output<string>;
    /** `hns` or `docker`: where `observedAddress` was read. */
    declare readonly observedAddressSource: pulumi.Output<string>;
    /** The MAC address in effect, in Docker's form. */
    declare readonly macAddress: pulumi.Output<string | undefined>;
    /** The requested MAC address in Docker's form, or null when the host chose it. */
    declare readonly requestedMacAddress: pulumi.Output<string | null>;

    constructor(name: string, args: StaticEndpointArgs, opts?: pulumi.CustomResourceOptions) {
        const props = {
            ...args,
            owner: `${pulumi.getProject()}/${pulumi.getStack()}/${name}`,
            containerId: undefined,
            containerName: undefined,
            networkId: undefined,
            networkName: undefined,
            networkDriver: undefined,
            endpointId: undefined,
            hnsEndpointId: undefined,
            observedAddress: undefined,
            observedAddressSource: undefined,
            requestedMacAddress: undefined,
        };
        super(staticEndpointShell, name, props, opts, TYPE_MODULE, "StaticEndpoint");
    }
}
