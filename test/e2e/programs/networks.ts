// A two-network stack whose host and addressing come from stack configuration, so that the same
// program runs against the real Docker engine and the simulated Windows host.
import * as pulumi from "@pulumi/pulumi";
import { ContainerNetwork } from "../../../provider";

const config = new pulumi.Config("wcn");
const prefix = config.require("prefix");
const host = {
    name: config.require("hostName"),
    docker: { url: config.require("hostUrl"), apiVersion: config.get("apiVersion"), timeoutMs: 30_000 },
};
const driver = config.require("driver");

function network(key: "a" | "b"): ContainerNetwork {
    return new ContainerNetwork(`${prefix}-${key}`, {
        host,
        name: `${prefix}-${key}`,
        driver,
        subnet: config.require(`subnet${key.toUpperCase()}`),
        gateway: config.get(`gateway${key.toUpperCase()}`),
        labels: { stack: prefix },
    });
}

const a = network("a");
const b = network("b");

export const networkIdA = a.networkId;
export const networkIdB = b.networkId;
export const subnetA = a.effectiveSubnet;
