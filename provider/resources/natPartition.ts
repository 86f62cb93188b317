import * as pulumi from "@pulumi/pulumi";
import type { HostSpec } from "../host/spec";
import type { WindowsNetworkOptions } from "../model/windowsOptions";
import { shellProvider } from "../runtime/shell";
import { TYPE_MODULE } from "./containerNetwork";

/**
 * The serialized provider of every NatPartition, one module-level object because the SDK caches
 * serialization per provider object.
 * @internal
 */
export const natPartitionShell = shellProvider("NatPartition");

/** Inputs of a {@link NatPartition}. Set exactly one of `subnet` and `prefixLength`. */
export interface NatPartitionArgs {
    /** The host whose NAT address space the partition is carved from. */
    host: pulumi.Input<HostSpec>;
    /** Docker network name, unique on the host. Changing it replaces the partition. */
    name: pulumi.Input<string>;
    /**
     * The partition's IPv4 subnet in canonical CIDR form, for example `172.17.0.0/16`. On hosts
     * where `Get-NetNat` lists the NAT (Windows Server 2016), it must lie inside the WinNAT
     * internal prefix.
     */
    subnet?: pulumi.Input<string>;
    /**
     * Size of a block the provider allocates instead of a fixed subnet, for example 24. The block
     * is chosen once, kept in the stack's state, and never moves on later runs.
     */
    prefixLength?: pulumi.Input<number>;
    /**
     * Range to allocate from, with `prefixLength`.
     * @default the WinNAT internal prefix on Windows Server 2016 hosts, otherwise 172.16.0.0/12
     */
    pool?: pulumi.Input<string>;
    /**
     * Gateway address inside the subnet; only with `subnet`.
     * @default the first address of the subnet
     */
    gateway?: pulumi.Input<string>;
    /** Typed Windows options that apply to nat networks (DNS servers and suffix, HNS network name, ...). */
    windows?: pulumi.Input<WindowsNetworkOptions>;
    /** Docker labels. Keys starting with `io.pulumi-wcn.` are reserved for ownership labels. */
    labels?: pulumi.Input<Record<string, pulumi.Input<string>>>;
    /**
     * Take over a nat network of that name that already exists on the host, when it matches.
     * @default false
     */
    adopt?: pulumi.Input<boolean>;
    /**
     * On delete, disconnect containers still attached instead of failing.
     * @default false
     */
    disconnectContainersOnDelete?: pulumi.Input<boolean>;
}

/**
 * A nat network carved out of a Windows host's NAT address space. Before anything changes, check
 * rejects a partition the host would reject. That is one outside the WinNAT prefix on Windows
 * Server 2016, one overlapping another NAT network or subnet, one covering a host adapter's
 * address, or a second NAT network on hosts that allow only one.
 */
export class NatPartition extends pulumi.dynamic.Resource {
    declare readonly name: pulumi.Output<string>;
    declare readonly subnet: pulumi.Output<string | undefined>;
    declare readonly prefixLength: pulumi.Output<number | undefined>;
    /** The block allocated for `prefixLength`; absent for a fixed subnet. */
    declare readonly allocatedSubnet: pulumi.Output<string | undefined>;
    /** The Docker network id. */
    declare readonly networkId: pulumi.Output<string>;
    /** The HNS network id, lower case. */
    declare readonly hnsId: pulumi.Output<string | undefined>;
    /** The subnet in effect. */
    declare readonly effectiveSubnet: pulumi.Output<string | undefined>;
    /** The gateway in effect. */
    declare readonly effectiveGateway: pulumi.Output<string | undefined>;
    declare readonly engineOsType: pulumi.Output<string>;
    declare readonly engineOperatingSystem: pulumi.Output<string>;
    declare readonly engineVersion: pulumi.Output<string>;
    /** True when the network existed and was taken over with `adopt`. */
    declare readonly adopted: pulumi.Output<boolean>;

    constructor(name: string, args: NatPartitionArgs, opts?: pulumi.CustomResourceOptions) {
        const props = {
            ...args,
            owner: `${pulumi.getProject()}/${pulumi.getStack()}/${name}`,
            allocatedSubnet: undefined,
            networkId: undefined,
            hnsId: undefined,
            effectiveSubnet: undefined,
            effectiveGateway: undefined,
            engineOsType: undefined,
            engineOperatingSystem: undefined,
            engineVersion: undefined,
            adopted: undefined,
        };
        super(natPartitionShell, name, props, opts, TYPE_MODULE, "NatPartition");
    }
}
