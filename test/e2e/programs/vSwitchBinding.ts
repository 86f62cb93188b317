// VSwitchBindings on one host. The bindings come from the `bindings` config value (JSON, keyed by
// resource name) so that tests change them between runs; a binding's `nestedHost` names its
// parent by display name and Docker URL.
import * as pulumi from "@pulumi/pulumi";
import { VSwitchBinding } from "../../../provider";

interface BindingSpec {
    switchName: string;
    adapterNames: string[];
    allowManagementOS?: boolean;
    adopt?: boolean;
    removeAdoptedOnDelete?: boolean;
    confirmManagementCutoff?: string;
    nestedHost?: { parentName: string; parentUrl: string; vmName: string };
}

const config = new pulumi.Config("wcn");
const host = {
    name: config.require("hostName"),
    docker: { url: config.require("hostUrl"), timeoutMs: 30_000 },
    address: config.get("hostAddress"),
};
const specs = config.getObject<Record<string, BindingSpec>>("bindings") ?? {};

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
