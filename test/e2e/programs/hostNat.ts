// A host's default NAT configuration, and optionally NAT partitions that take the host from the
// configuration's `host` output so that they are checked and created after it applies. The
// configuration's settings come from the `hostNat` config value and the partitions from
// `partitions`, both JSON, so that tests change them between runs.
import * as pulumi from "@pulumi/pulumi";
import { HostNatConfig, NatPartition } from "../../../provider";

interface HostNatSpec {
    fixedCidr?: string;
    defaultNatNetwork?: boolean;
    allowRemoveNetworks?: string[];
    allowDetachContainers?: string[];
}

interface PartitionSpec {
    subnet?: string;
    prefixLength?: number;
}

const config = new pulumi.Config("wcn");
const host = {
    name: config.require("hostName"),
    docker: { url: config.require("hostUrl"), apiVersion: config.get("apiVersion"), timeoutMs: 30_000 },
};
const natConfig = new HostNatConfig("host-nat", { host, ...config.requireObject<HostNatSpec>("hostNat") });
const partitionSpecs = config.getObject<Record<string, PartitionSpec>>("partitions") ?? {};

const partitions = Object.entries(partitionSpecs).map(
    ([key, spec]) => [key, new NatPartition(key, { host: natConfig.host, name: key, ...spec })] as const,
);

export const defaultNetworkSubnet = natConfig.defaultNetworkSubnet;
export const removedNetworks = natConfig.removedNetworks;
export const partitionSubnets = Object.fromEntries(
    partitions.map(([key, partition]) => [key, partition.effectiveSubnet]),
);
