import * as pulumi from "@pulumi/pulumi";
import type { HostSpec } from "../host/spec";
import type { WindowsNetworkOptions } from "../model/windowsOptions";
import { shellProvider } from "../runtime/shell";
import type { VSwitchBinding } from "./vSwitchBinding";

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
    /**
     * The external switch the network sits on, for `transparent`, `l2bridge` and `l2tunnel`. The
     * network is created after the binding and deleted before it. `windows.adapterName` must be one
     * of the binding's adapters, and defaults to its first one.
     */
    vSwitchBinding?: VSwitchBinding;
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

    /** The switch and adapters of the VSwitchBinding, when the network is declared on one. */
    declare readonly vSwitch: pulumi.Output<{ switchName: string; adapterNames: string[] } | undefined>;

    constructor(name: string, args: ContainerNetworkArgs, opts?: pulumi.CustomResourceOptions) {
        const { vSwitchBinding, ...rest } = args;
        const props = {
            ...rest,
            ...(vSwitchBinding === undefined ? {} : bindingInputs(vSwitchBinding, args.windows)),
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

/**
 * Turns a binding into the inputs `vSwitch` (its switch and adapters) and `windows` (with the
 * binding's first adapter when no adapterName is set). `vSwitch` comes from the binding's outputs,
 * which makes the network depend on the binding. A `windows` block that names its adapter stays
 * independent of the binding, so that preview checks it before the binding exists.
 */
function bindingInputs(binding: VSwitchBinding, windows: ContainerNetworkArgs["windows"]) {
    const vSwitch = pulumi
        .all([binding.switchName, binding.adapterNames])
        .apply(([switchName, adapterNames]) => ({ switchName, adapterNames }));
    const withAdapter = pulumi
        .output(windows)
        .apply(
            (options): pulumi.Input<WindowsNetworkOptions> =>
                options?.adapterName !== undefined
                    ? options
                    : binding.adapterNames.apply((names) => ({ ...(options ?? {}), adapterName: names[0] })),
        );
    return { vSwitch, windows: withAdapter };
}
