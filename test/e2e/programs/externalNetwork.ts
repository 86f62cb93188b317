// External-switch networks (transparent, l2bridge) on one host, optionally on VSwitchBindings. The
// networks and bindings come from the `networks` and `bindings` config values (JSON, keyed by
// resource name), so that tests change them between runs.
import * as pulumi from "@pulumi/pulumi";
import { ContainerNetwork, VSwitchBinding } from "../../../provider";

interface NetworkSpec {
    driver?: string;
    adapterName?: string;
    subnet?: string;
    gateway?: string;
    /** Resource name of a binding in `bindings`. */
    binding?: string;
}

interface BindingSpec {
    switchName: string;
    adapterNames: string[];
    adopt?: boolean;
    removeAdoptedOnDelete?: boolean;
}

const config = new pulumi.Config("wcn");
const host = {
    name: config.require("hostName"),
    docker: { url: config.require("hostUrl"), timeoutMs: 30_000 },
};
const bindingSpecs = config.getObject<Record<string, BindingSpec>>("bindings") ?? {};
const networkSpecs = config.getObject<Record<string, NetworkSpec>>("networks") ?? {};

const bindings = new Map(
    Object.entries(bindingSpecs).map(([name, spec]) => [name, new VSwitchBinding(name, { host, ...spec })]),
);

const networks = Object.entries(networkSpecs).map(([name, spec]) => {
    const binding = spec.binding === undefined ? undefined : bindings.get(spec.binding);
    if (spec.binding !== undefined && binding === undefined) {
        throw new Error(`network ${name} names binding ${spec.binding}, which is not in the bindings config`);
    }
    const network = new ContainerNetwork(name, {
        host,
        name,
        driver: spec.driver ?? "transparent",
        subnet: spec.subnet,
        gateway: spec.gateway,
        windows: spec.adapterName === undefined ? undefined : { adapterName: spec.adapterName },
        vSwitchBinding: binding,
    });
    return [name, network] as const;
});

/** Per network: the Docker network id, the HNS id and the binding's switch when there is one. */
export const outputs = Object.fromEntries(
    networks.map(([name, network]) => [
        name,
        { networkId: network.networkId, hnsId: network.hnsId, vSwitch: network.vSwitch },
    ]),
);
