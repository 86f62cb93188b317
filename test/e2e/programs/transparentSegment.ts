// A whole transparent segment on one host: an external switch bound to an adapter, a transparent
// network on that switch, and two containers pinned to fixed addresses on it. The containers
// exist before the stack; the stack only attaches them.
import * as pulumi from "@pulumi/pulumi";
import { ContainerNetwork, StaticEndpoint, VSwitchBinding } from "../../../provider";

const config = new pulumi.Config("wcn");
const host = {
    name: config.require("hostName"),
    docker: { url: config.require("hostUrl"), timeoutMs: 30_000 },
    address: config.get("hostAddress"),
};

const binding = new VSwitchBinding("segment-switch", {
    host,
    switchName: config.require("switchName"),
    adapterNames: [config.require("adapterName")],
});

const network = new ContainerNetwork("segment-network", {
    host,
    name: config.require("networkName"),
    driver: "transparent",
    subnet: config.require("subnet"),
    gateway: config.require("gateway"),
    vSwitchBinding: binding,
});

const addresses = config.requireObject<Record<string, string>>("addresses");
const endpoints = Object.entries(addresses).map(
    ([container, address]) =>
        [
            container,
            new StaticEndpoint(`segment-${container}`, {
                host,
                container,
                network: network.name,
                ipv4Address: address,
                allowStop: true,
            }),
        ] as const,
);

export const switchId = binding.switchId;
export const networkId = network.networkId;
export const observed = Object.fromEntries(
    endpoints.map(([container, endpoint]) => [container, endpoint.observedAddress]),
);
