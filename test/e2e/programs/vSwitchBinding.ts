// VSwitchBindings on one host, and transparent networks on them. The bindings and networks come
// from the `bindings` and `networks` config values (JSON, keyed by resource name) so that tests
// change them between runs; a binding's `nestedHost` names its parent by display name and Docker
// URL, and a network's `binding` names a binding of the same program.
import * as pulumi from "@pulumi/pulumi";
import { ContainerNetwork, VSwitchBinding } from "../../../provider";

interface BindingSpec {
    switchName: string;
    adapterNames: string[];
    allowManagementOS?: boolean;
    adopt?: boolean;
    removeAdoptedOnDelete?: boolean;
    confirmManagementCutoff?: string;
    nestedHost?: { parentName: string; parentUrl: string; vmName: string };
}

interface NetworkSpec {
    subnet: string;
    gateway: string;
    /** Resource name of a binding in `bindings`. */
    binding?: string;
    adapterName?: string;
}

const config = new pulumi.Config("wcn");
const host = {
    name: config.require("hostName"),
    docker: { url: config.require("hostUrl"), timeoutMs: 30_000 },
    address: config.get("hostAddress"),
};
const specs = config.getObject<Record<string, BindingSpec>>("bindings") ?? {};
const networkSpecs = config.getObject<Record<string, NetworkSpec>>("networks") ?? {};

const bindings = Object.entries(specs).map(([name, { nestedHost, ...spec }]) => {
    const nested =
        nestedHost === undefined
            ? undefined
            : {
                  parent: {
                      name: nestedHost.parentName,
                      docker: { url: nestedHost.parentUrl, timeoutMs: 30_000 },
                  },
                  vmName: nestedHost.vmName,
              };
    return [name, new VSwitchBinding(name, { host, ...spec, nestedHost: nested })] as const;
});

const byName = new Map(bindings);
for (const [name, spec] of Object.entries(networkSpecs)) {
    const binding = spec.binding === undefined ? undefined : byName.get(spec.binding);
    if (spec.binding !== undefined && binding === undefined) {
        throw new Error(`network ${name} names binding ${spec.binding}, which is not in the bindings config`);
    }
    new ContainerNetwork(name, {
        host,
        name,
        driver: "transparent",
        subnet: spec.subnet,
        gateway: spec.gateway,
        windows: spec.adapterName === undefined ? undefined : { adapterName: spec.adapterName },
        vSwitchBinding: binding,
    });
}

export const switches = Object.fromEntries(
    bindings.map(([name, binding]) => [
        name,
        {
            switchName: binding.switchName,
            switchId: binding.switchId,
            switchType: binding.switchType,
            adapterNames: binding.adapterNames,
            allowManagementOS: binding.allowManagementOS,
            adopted: binding.adopted,
            embeddedTeaming: binding.embeddedTeaming,
            dockerNetworkName: binding.dockerNetworkName,
        },
    ]),
);
