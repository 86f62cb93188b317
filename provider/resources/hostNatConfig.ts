import * as pulumi from "@pulumi/pulumi";
import type { HostSpec } from "../host/spec";
import { shellProvider } from "../runtime/shell";
import { TYPE_MODULE } from "./containerNetwork";

/**
 * The serialized provider of every HostNatConfig, one module-level object because the SDK caches
 * serialization per provider object.
 * @internal
 */
export const hostNatConfigShell = shellProvider("HostNatConfig");

/** Inputs of a {@link HostNatConfig}. */
export interface HostNatConfigArgs {
    /** The host. It needs `host.powershell` (or a sim: Docker URL), because the change runs there. */
    host: pulumi.Input<HostSpec>;
    /**
     * Prefix of the default nat network, written to daemon.json as `fixed-cidr`, for example
     * `172.30.0.0/16`. It must not cover any host adapter's address.
     * @default the prefix the engine chooses (the key is removed)
     */
    fixedCidr?: pulumi.Input<string>;
    /**
     * False writes `"bridge": "none"`, so the engine creates no default nat network and every
     * network is declared explicitly.
     * @default true
     */
    defaultNatNetwork?: pulumi.Input<boolean>;
    /**
     * Networks other than the default `nat` that applying may remove, by name. A change that needs
     * to remove any other network is refused at preview until it is named here.
     * @default []
     */
    allowRemoveNetworks?: pulumi.Input<pulumi.Input<string>[]>;
    /**
     * Containers that may be detached from removed networks, by name or full id. A change that
     * would detach any other container is refused at preview.
     * @default []
     */
    allowDetachContainers?: pulumi.Input<pulumi.Input<string>[]>;
    /**
     * How long to wait for the engine after the docker service starts, before daemon.json is
     * restored.
     * @default 120
     */
    restartTimeoutSeconds?: pulumi.Input<number>;
}

/**
 * The default NAT configuration of a Windows container host: the default nat network's prefix, or
 * no default nat network. Applied by Microsoft's documented procedure (stop docker, remove the
 * networks the change requires, edit daemon.json keeping every other key, start docker, verify),
 * with daemon.json restored when docker does not come back. Delete writes back the values the
 * host had before. Pass this resource's `host` output to NatPartitions so that they are checked
 * and created after the change.
 */
export class HostNatConfig extends pulumi.dynamic.Resource {
    /** The host, once the configuration is applied. */
    declare readonly host: pulumi.Output<HostSpec>;
    declare readonly fixedCidr: pulumi.Output<string | undefined>;
    declare readonly defaultNatNetwork: pulumi.Output<boolean>;
    /** Path of daemon.json on the host. */
    declare readonly daemonJsonPath: pulumi.Output<string>;
    /** Subnet of the default nat network now; absent when there is none. */
    declare readonly defaultNetworkSubnet: pulumi.Output<string | undefined>;
    /** Networks the last change removed. */
    declare readonly removedNetworks: pulumi.Output<string[]>;

    constructor(name: string, args: HostNatConfigArgs, opts?: pulumi.CustomResourceOptions) {
        const props = {
            ...args,
            owner: `${pulumi.getProject()}/${pulumi.getStack()}/${name}`,
            daemonJsonPath: undefined,
            defaultNetworkSubnet: undefined,
            removedNetworks: undefined,
            previous: undefined,
        };
        super(hostNatConfigShell, name, props, opts, TYPE_MODULE, "HostNatConfig");
    }
}
