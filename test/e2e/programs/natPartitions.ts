// A stack of NAT partitions on one host. The partitions come from the `partitions` config value,
// a JSON object from key to partition sizing, so that tests add and remove partitions between runs.
import * as pulumi from "@pulumi/pulumi";
import { NatPartition } from "../../../provider";

/** Sizing of one partition: a fixed subnet, or the size of a block to allocate. */
interface PartitionSpec {
    subnet?: string;
    gateway?: string;
    prefixLength?: number;
    pool?: string;
}

const config = new pulumi.Config("wcn");
const prefix = config.require("prefix");
const host = {
    name: config.require("hostName"),
    docker: { url: config.require("hostUrl"), apiVersion: config.get("apiVersion"), timeoutMs: 30_000 },
};
const specs = config.requireObject<Record<string, PartitionSpec>>("partitions");

const partitions = Object.entries(specs).map(
    ([key, spec]) =>
        [
            key,
            new NatPartition(`${prefix}-${key}`, {
                host,
                name: `${prefix}-${key}`,
                ...spec,
                labels: { stack: prefix },
            }),
        ] as const,
);

/** Per partition key: the Docker network id, the subnet in effect and the allocated block. */
export const networks = Object.fromEntries(
    partitions.map(([key, partition]) => [
        key,
        {
            networkId: partition.networkId,
            effectiveSubnet: partition.effectiveSubnet,
            allocatedSubnet: partition.allocatedSubnet,
        },
    ]),
);
