import * as pulumi from "@pulumi/pulumi";
import type { HostSpec } from "../host/spec";
import type { WindowsNetworkOptions } from "../model/windowsOptions";
import { shellProvider } from "../runtime/shell";

/** Module part of the type token: resources show as `wcn:ContainerNetwork` in previews. */
export const TYPE_MODULE = "wcn";

/**
 * The serialized provider of every ContainerNetwork: one module-level object, because the SDK
 * caches serialization per provider object.
 * @internal
 */
export const containerNetworkShell = shellProvider("ContainerNetwork");

/** Inputs of a {@link ContainerNetwork}. */
export interface ContainerNetworkArgs {
    /** The host whose Docker engine has the network. */
    host: pulumi.Input<HostSpec>;
    /** Docker network name, unique on the host. Changing it replaces the network. */
    name: pulumi.Input<string>;
    /**
     * Network driver, lower case: `nat`, `transparent`, `l2bridge`, `l2tunnel`, `overlay` or `ics`
     * on Windows; the engine's `Plugins.Network` lists what a host offers.
     * @default "nat"
     */
    driver?: pulumi.Input<string>;
    /**
     * IPv4 subnet in canonical CIDR form, for example `172.20.0.0/16`. Required for `l2bridge`, and
     * for static addresses on `transparent`. Without it a nat network gets a prefix HNS chooses.
     */
    subnet?: pulumi.Input<string>;
    /**
     * Gateway address inside the subnet. For `transparent` and `l2bridge` it is the physical
     * network's gateway.
     * @default the first address of the subnet, chosen by the engine
     */
    gateway?: pulumi.Input<string>;
    /** Typed Windows driver options. */
    windows?: pulumi.Input<WindowsNetworkOptions>;
    /** Raw driver options for keys the typed options do not cover; values are strings. */
    driverOptions?: pulumi.Input<Record<string, pulumi.Input<string>>>;
    /** Docker labels. Keys starting with `io.pulumi-wcn.` are reserved for ownership labels. */
    labels?: pulumi.Input<Record<string, pulumi.Input<string>>>;
    /**
     * Take over a network of that name that already exists on the host, when it matches these
     * inputs. A network that differs is not touched, and create fails listing the differences.
     * @default false
     */
    adopt?: pulumi.Input<boolean>;
    /**
     * On delete, disconnect containers still attached to the network instead of failing.
     * @default false
     */
    disconnectContainersOnDelete?: pulumi.Input<boolean>;
    /** Not supported on Windows; accepted only to be rejected with an explanation. */
    internal?: pulumi.Input<boolean>;
    /** Not supported on Windows; accepted only to be rejected with an explanation. */
    ipRange?: pulumi.Input<string>;
    /** Not supported on Windows; accepted only to be rejected with an explanation. */
    auxAddresses?: pulumi.Input<Record<string, pulumi.Input<string>>>;
    /** Not supported on Windows; accepted only to be rejected with an explanation. */
    enableIpv6?: pulumi.Input<boolean>;
}

/**
 * A Docker network on a Windows container host: nat, transparent, l2bridge and the other Windows
 * drivers, with typed Windows options. Docker networks cannot change in place, so changing a
 * managed setting replaces the network, deleting the old one first because names are unique.
 */
export class ContainerNetwork extends pulumi.dynamic.Resource {
    declare readonly name: pulumi.Output<string>;
    declare readonly driver: pulumi.Output<string>;
    declare readonly subnet: pulumi.Output<string | undefined>;
    declare readonly gateway: pulumi.Output<string | undefined>;
    /** The Docker network id. */
    declare readonly networkId: pulumi.Output<string>;
    /** The HNS network id on Windows engines, lower case. */
    declare readonly hnsId: pulumi.Output<string | undefined>;
    /** The subnet in effect, also when HNS chose it. */
    declare readonly effectiveSubnet: pulumi.Output<string | undefined>;
    /** The gateway in effect. */
    declare readonly effectiveGateway: pulumi.Output<string | undefined>;
    /** `windows` or `linux`. */
    declare readonly engineOsType: pulumi.Output<string>;
    declare readonly engineOperatingSystem: pulumi.Output<string>;
    declare readonly engineVersion: pulumi.Output<string>;
    /** True when the network existed and was taken over with `adopt`. */
    declare readonly adopted: pulumi.Output<boolean>;

    constructor(name: string, args: ContainerNetworkArgs, opts?: pulumi.CustomResourceOptions) {
        const props = {
            ...args,
            owner: `${pulumi.getProject()}/${pulumi.getStack()}/${name}`,
            networkId: undefined,
            hnsId: undefined,
            effectiveSubnet: undefined,
            effectiveGateway: undefined,
            engineOsType: undefined,
            engineOperatingSystem: undefined,
            engineVersion: undefined,
            adopted: undefined,
        };
        super(containerNetworkShell, name, props, opts, TYPE_MODULE, "ContainerNetwork");
    }
}
