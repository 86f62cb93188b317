import * as pulumi from "@pulumi/pulumi";
import { ContainerNetwork, HostSpec, StaticEndpoint, VSwitchBinding } from "../../provider";

/*
 * Containers on the physical network of one Windows Server container host: an external Hyper-V
 * switch bound to the adapter `Ethernet 2`, a transparent network on it with the segment's subnet
 * and gateway, and existing containers pinned to fixed addresses on that network.
 *
 * The `endpoints` config value maps container names to addresses, for example
 * `{"web": "10.20.0.21"}`; the containers must exist on the host. The provider stops a running
 * container to attach it, because Windows applies an address only to a stopped container, and
 * starts it again.
 *
 * With no configuration the host is a simulated Windows Server 2022 host whose state lives in
 * .wcn/transparent-segment-host.json, reached at the address of its `Ethernet` adapter.
 */
const config = new pulumi.Config();

const host: HostSpec = {
    name: config.get("hostName") ?? "simulated-ws2022",
    docker: { url: config.get("dockerUrl") ?? "sim:./.wcn/transparent-segment-host.json?profile=ws2022" },
    address: config.get("hostAddress") ?? "192.168.50.10",
};

const uplink = new VSwitchBinding("uplink", {
    host,
    switchName: config.get("switchName") ?? "ext-lan",
    adapterNames: [config.get("adapterName") ?? "Ethernet 2"],
});

const lan = new ContainerNetwork("lan", {
    host,
    name: "lan",
    driver: "transparent",
    subnet: config.get("subnet") ?? "10.20.0.0/24",
    gateway: config.get("gateway") ?? "10.20.0.1",
    vSwitchBinding: uplink,
});

const endpoints = Object.entries(config.getObject<Record<string, string>>("endpoints") ?? {}).map(
    ([container, address]) =>
        new StaticEndpoint(`lan-${container}`, {
            host,
            container,
            network: lan.name,
            ipv4Address: address,
            allowStop: true,
        }),
);

export const switchId = uplink.switchId;
export const networkId = lan.networkId;
export const addresses = pulumi.all(endpoints.map((endpoint) => endpoint.observedAddress));
