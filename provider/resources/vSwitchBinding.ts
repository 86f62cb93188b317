import * as pulumi from "@pulumi/pulumi";
import type { HostSpec } from "../host/spec";
import { shellProvider } from "../runtime/shell";
import { TYPE_MODULE } from "./containerNetwork";

/**
 * The serialized provider of every VSwitchBinding, one module-level object because the SDK caches
 * serialization per provider object.
 * @internal
 */
export const vSwitchBindingShell = shellProvider("VSwitchBinding");

/** The Hyper-V parent of a container host that is itself a virtual machine. */
export interface NestedHostArgs {
    /** The Hyper-V host that runs the container host's VM. It needs a PowerShell channel. */
    parent: pulumi.Input<HostSpec>;
    /** Name of the container host's VM on the parent, as `Get-VM` lists it. */
    vmName: pulumi.Input<string>;
}

/** Inputs of a {@link VSwitchBinding}. */
export interface VSwitchBindingArgs {
    /** The container host. It needs `host.powershell` (or a sim: Docker URL), because the switch is made there. */
    host: pulumi.Input<HostSpec>;
    /** Name of the external Hyper-V switch, for example `ext-lan`. `nat` is reserved for Docker's NAT switch. */
    switchName: pulumi.Input<string>;
    /**
     * Physical wired adapters to bind, by `Get-NetAdapter` name. More than one makes a Switch
     * Embedded Teaming (SET) team.
     */
    adapterNames: pulumi.Input<pulumi.Input<string>[]>;
    /**
     * Keeps a host vNIC `vEthernet (<switchName>)` that carries the adapter's IP configuration, so
     * the host stays reachable through the adapter.
     * @default true
     */
    allowManagementOS?: pulumi.Input<boolean>;
    /**
     * Takes over a switch of this name that already exists. It must be External, bound to exactly
     * `adapterNames` and have the same `allowManagementOS`; otherwise check fails listing the differences.
     * @default false
     */
    adopt?: pulumi.Input<boolean>;
    /**
     * Removes an adopted switch on delete. Without it an adopted switch is left on the host.
     * @default false
     */
    removeAdoptedOnDelete?: pulumi.Input<boolean>;
    /**
     * Set to `switchName` to allow turning `allowManagementOS` off on an adapter that carries the
     * address the provider reaches the host at, which cuts the host off that address.
     */
    confirmManagementCutoff?: pulumi.Input<string>;
    /**
     * The Hyper-V parent of a virtualized container host: the provider turns on MAC address
     * spoofing on the VM's network adapters there, which transparent networks with DHCP need.
     */
    nestedHost?: pulumi.Input<NestedHostArgs>;
}

/**
 * An external Hyper-V switch bound to one or more physical wired adapters, for transparent and
 * l2bridge networks. Create makes the switch (or adopts an existing one) and restarts the hns and
 * docker services when Docker does not see the switch yet, so that Docker lists it as a
 * transparent network. Delete removes only a switch this resource created (or an adopted one with
 * `removeAdoptedOnDelete`). Pass the binding to a ContainerNetwork's `vSwitchBinding` so the
 * network is created after it and deleted before it.
 *
 * A switch that create makes gets `Managed by pulumi-wcn for <project>/<stack>/<name>` in its
 * Notes. When a run stops after New-VMSwitch and before the state records the switch, the next
 * run takes a switch with this binding's marker over as created (so delete removes it), provided
 * it matches the inputs. Without `adopt`, a switch with another binding's marker is rejected.
 */
export class VSwitchBinding extends pulumi.dynamic.Resource {
    declare readonly host: pulumi.Output<HostSpec>;
    declare readonly switchName: pulumi.Output<string>;
    /** The adapters bound to the switch, by `Get-NetAdapter` name. */
    declare readonly adapterNames: pulumi.Output<string[]>;
    /** Hyper-V switch id, a lower-case GUID. */
    declare readonly switchId: pulumi.Output<string>;
    /** `external`, or the type the switch has now when someone changed it. */
    declare readonly switchType: pulumi.Output<string>;
    declare readonly allowManagementOS: pulumi.Output<boolean>;
    /** Interface descriptions of the bound adapters. */
    declare readonly adapterDescriptions: pulumi.Output<string[]>;
    /** True for a SET team (more than one adapter). */
    declare readonly embeddedTeaming: pulumi.Output<boolean>;
    /** True when the switch existed before and this resource adopted it. */
    declare readonly adopted: pulumi.Output<boolean>;
    /** The transparent Docker network that Docker shows for the switch. */
    declare readonly dockerNetworkName: pulumi.Output<string>;

    constructor(name: string, args: VSwitchBindingArgs, opts?: pulumi.CustomResourceOptions) {
        const props = {
            ...args,
            // Declared even when unset, so that the output carries the default the provider fills in.
            allowManagementOS: args.allowManagementOS,
            owner: `${pulumi.getProject()}/${pulumi.getStack()}/${name}`,
            switchId: undefined,
            switchType: undefined,
            adapterDescriptions: undefined,
            embeddedTeaming: undefined,
            adopted: undefined,
            dockerNetworkName: undefined,
        };
        super(vSwitchBindingShell, name, props, opts, TYPE_MODULE, "VSwitchBinding");
    }
}
